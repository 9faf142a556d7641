"""Chained pipelines end to end on tiny synth video: ground a query over a folder -> restore only the found
moments -> export them; complete a masked region -> detect actions on the completed video."""
import json

import pytest

from media import make_video
from tempo.cli import main
from tempo.io import probe


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_ground_then_restore_only_the_moments(tmp_path, cache, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("a", "b"):
        make_video(folder / f"{name}.mp4", n=40, width=64, height=48, fps=10)
    (folder / "broken.mp4").write_bytes(b"not a video")
    out = tmp_path / "out"
    argv = ["run", "pipelines/ground_restore.py", str(folder), "-o", str(out), "--json"]
    assert main(argv) == 1  # the broken clip fails, the others go on
    res = json.loads(capsys.readouterr().out)
    assert list(res["failed"]) == [str(folder / "broken.mp4")] and len(res["results"]) == 2
    for r in res["results"]:
        (moment,) = r["restored_moments"]
        (exported,) = r["exported"]
        info = probe(exported)
        assert (info.width, info.height) == (64, 48)
        assert abs(info.duration - (moment["end"] - moment["start"])) < 0.25  # only the moment, not the clip
        assert json.loads(open(r["files"][0]).read())[0]["query"] == "the red square spins"
    assert not (out / "broken").exists() and not list(out.glob("broken*"))
    # another restoration setting: the grounding comes from the cache
    assert main(argv + ["--cfg-options", "RestoreMoments.tile=0"]) == 1
    stages = json.loads(capsys.readouterr().out)["results"][0]["stages"]
    assert [s["status"] for s in stages[:2]] == ["cached", "computed"]


def test_complete_then_detect_on_the_completed_video(tmp_path, cache, capsys):
    video = make_video(tmp_path / "clip.mp4", n=30, width=64, height=48, fps=15)
    out = tmp_path / "out"
    argv = ["run", "pipelines/complete_detect.py", str(video), "-o", str(out), "--json",
            "--cfg-options", "OnionPeelComplete.boxes=[10,10,16,16]", "DetectionPost.min_score=0"]
    assert main(argv) == 0
    r = json.loads(capsys.readouterr().out)["results"][0]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["clip.json", "clip.csv", "clip.srt", "clip.vtt", "clip.png", "clip_completed.mp4"])
    assert r["complete_summary"]["frames_with_holes"] == 30
    assert str(cache) in r["completed"]  # the completed video is a cached file ...
    assert r["video"] == str(video)  # ... and the results name the input
    # the features were computed on the completed video, not the input
    assert r["feature_meta"]["duration"] == pytest.approx(probe(out / "clip_completed.mp4").duration, abs=0.1)
    assert json.loads((out / "clip.json").read_text())["video"] == str(video)
    assert main(argv + ["--cfg-options", "DetectionPost.min_score=0.5"]) == 0
    stages = {s["stage"]: s["status"] for s in json.loads(capsys.readouterr().out)["results"][0]["stages"]}
    assert stages["OnionPeelComplete"] == "cached" and stages["TriDetCandidates"] == "cached"
