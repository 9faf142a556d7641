"""The bundled default detector and grounder load, run end to end on real video, and carry their metrics."""
import json
import subprocess
import sys

import pytest

from tempo.tasks.detect import DEFAULT_DETECTOR
from tempo.tasks.ground import DEFAULT_GROUNDER

MAX_BYTES = 30 * 1024 * 1024


@pytest.mark.parametrize("weights", [DEFAULT_DETECTOR, DEFAULT_GROUNDER], ids=["tridet", "bam_detr"])
def test_bundle_is_small_and_documented(weights):
    assert weights.is_file() and weights.stat().st_size <= MAX_BYTES
    bundle = json.loads(weights.with_suffix(".json").read_text())
    assert "model" in bundle and "trained_on" in bundle
    metrics = json.loads(weights.with_name(weights.stem + ".metrics.json").read_text())
    assert "seed1_test" in metrics  # measured on a seed it never trained on


def test_detect_sample_runs_with_the_default(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "tempo", "detect", "--sample", "-o", str(out), "--json",
                           "--cache-dir", str(tmp_path / "cache")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    written = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert {".json", ".csv", ".srt", ".vtt", ".png"} <= written
