"""A fresh clone has no parity fixtures: their tests skip, and the reason says what they are and how to get them."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_parity_skip_reason_says_where_the_fixtures_go(tmp_path):
    env = {**os.environ, "TEMPO_PARITY_DIR": str(tmp_path / "none"), "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "pytest", "tests/parity/test_tridet_keys.py", "-q", "-rs",
                          "-p", "no:cacheprovider"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    skipped = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped and all("TEMPO_PARITY_DIR" in line and "../shared/parity" in line and str(tmp_path) in line
                           and "official" in line for line in skipped)
