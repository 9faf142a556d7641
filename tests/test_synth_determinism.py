"""Same seed -> byte-identical files (whatever the number of workers); another seed -> different data.
Also the `tempo synth` command and the Python API."""
import json

import pytest

from tempo.cli import main
from tempo.data.synth import Preset, generate
from tempo.data.synth.timeline import SceneSpec

SPEC = SceneSpec(64, 48, 10, (2.0, 2.0), objects=(1, 3), max_instance=2.0, gap=(0.1, 0.5))
PRESET = Preset("t", {"train": 2, "val": 1}, SPEC)


def _files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("task", ["detect", "ground", "restore", "complete"])
def test_same_seed_same_bytes_other_seed_other_data(tmp_path, task):
    a = generate(task, PRESET, seed=1, out_dir=tmp_path / "a", workers=2)
    generate(task, PRESET, seed=1, out_dir=tmp_path / "b", workers=1)
    generate(task, PRESET, seed=2, out_dir=tmp_path / "c", workers=2)
    fa, fb, fc = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert len(fa) >= 4 and fa == fb
    assert all(p.exists() for p in a)
    videos = [k for k in fa if k.endswith((".mp4", ".mkv"))]
    assert videos and all(fa[k] != fc.get(k) for k in videos)
    assert not any(".partial" in k for k in fa)  # nothing half-written left behind


def test_cli_tiny_detect(tmp_path, capsys):
    assert main(["synth", "--task", "detect", "--preset", "tiny", "--seed", "3", "-o", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    doc = json.loads((tmp_path / "annotations" / "detect.json").read_text())
    assert report["videos"] == len(doc["database"]) == 5
    assert len(list((tmp_path / "videos").glob("*.mp4"))) == 5


def test_cli_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["synth", "--task", "nope", "-o", str(tmp_path)])
    assert exc.value.code == 2
    assert main(["synth", "--task", "detect", "--workers", "0", "-o", str(tmp_path)]) == 2
