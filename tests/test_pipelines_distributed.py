"""`torchrun --nproc_per_node 2 -m tempo run PIPELINE FOLDER` on CPU (gloo): the ranks split the videos, each is
processed once, the outputs merged in the shared folder equal a single-process run, and the cache is shared."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from media import make_video
from tempo.cli import main
from test_pipelines import _bundle, _files

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    for i, name in enumerate("abc"):
        make_video(videos / f"{name}.mp4", n=30 + 10 * i, width=64, height=48, fps=20)
    (videos / "broken.mp4").write_bytes(b"not a video")
    return videos


def test_two_ranks_split_the_folder_and_match_one_process(tmp_path, folder, monkeypatch, capsys):
    bundle = _bundle(tmp_path / "w")
    args = ["run", "pipelines/detect.py", str(folder), "--json", "--cfg-options", f"detector.checkpoint={bundle}",
            "DetectionPost.min_score=0"]
    env = {**os.environ, "TEMPO_CACHE_DIR": str(tmp_path / "shared_cache"), "PYTHONPATH": str(REPO),
           "OMP_NUM_THREADS": "1", "TEMPO_PROGRESS": "0"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "tempo", *args, "-o", str(tmp_path / "ranks")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode != 0, proc.stderr  # the broken video failed (on rank 0), the others went on
    res = json.loads(proc.stdout)  # one document, from rank 0, with every rank's results
    assert list(res["failed"]) == [str(folder / "broken.mp4")]
    # sorted inputs a, b, broken, c: rank 0 takes a and broken, rank 1 b and c
    assert {Path(r["video"]).name: r["rank"] for r in res["results"]} == {"a.mp4": 0, "b.mp4": 1, "c.mp4": 1}
    # each video's network ran exactly once over both ranks
    assert res["computed"]["ExtractFeatures"] == res["computed"]["TriDetCandidates"] == 3

    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "own_cache"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each rank (OMP_NUM_THREADS=1): float sums in the same order, bytes can match
    try:
        assert main(args + ["-o", str(tmp_path / "single")]) == 1
    finally:
        torch.set_num_threads(threads)
    capsys.readouterr()
    merged, single = _files(tmp_path / "ranks"), _files(tmp_path / "single")
    assert len(merged) == 3 * 5 and merged == single  # json, csv, srt, vtt, png per good video; byte-identical

    # the ranks filled one shared cache: a single process on it computes nothing
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "shared_cache"))
    assert main(args) == 1
    res = json.loads(capsys.readouterr().out)
    assert "ExtractFeatures" not in res["computed"] and "TriDetCandidates" not in res["computed"]
    networks = [s["status"] for r in res["results"] for s in r["stages"] if s["stage"] in ("ExtractFeatures",
                                                                                         "TriDetCandidates")]
    assert networks == ["cached"] * 6
