"""The content-addressed stage cache: reuse, invalidation, corruption, crashes and concurrency."""
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from media import make_video
from tempo.cli import main
from tempo.pipeline import Cache, Pipeline
from tempo.pipeline.basic_stages import FrameSummary, Probe


def test_second_run_recomputes_nothing(tmp_path):
    video = make_video(tmp_path / "a.mp4", n=30)
    cache = Cache(tmp_path / "cache")
    first = Pipeline([Probe(), FrameSummary(fps=5)], cache=cache, use_cache=True)
    out1 = first.run(video)
    assert dict(first.computed) == {"Probe": 1, "FrameSummary": 1}
    second = Pipeline([Probe(), FrameSummary(fps=5)], cache=cache, use_cache=True)
    out2 = second.run(video)
    assert dict(second.computed) == {}
    np.testing.assert_array_equal(out1["mean_rgb"], out2["mean_rgb"])
    assert out1["info"] == out2["info"]


def test_key_follows_content_params_and_upstream(tmp_path):
    a = make_video(tmp_path / "a.mp4", n=30)
    renamed = tmp_path / "renamed copy.mp4"
    renamed.write_bytes(a.read_bytes())
    cache = Cache(tmp_path / "cache")
    Pipeline([FrameSummary(fps=5)], cache=cache, use_cache=True).run(a)
    p = Pipeline([FrameSummary(fps=5)], cache=cache, use_cache=True)
    p.run(renamed)  # same bytes, other name: a hit
    assert dict(p.computed) == {}
    p = Pipeline([FrameSummary(fps=2)], cache=cache, use_cache=True)
    p.run(a)  # other params: a miss
    assert dict(p.computed) == {"FrameSummary": 1}
    b = make_video(tmp_path / "b.mp4", n=31)
    p = Pipeline([FrameSummary(fps=5)], cache=cache, use_cache=True)
    p.run(b)  # other content: a miss
    assert dict(p.computed) == {"FrameSummary": 1}


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_entry_is_detected_and_recomputed(tmp_path, damage):
    video = make_video(tmp_path / "a.mp4", n=20)
    cache = Cache(tmp_path / "cache")
    Pipeline([FrameSummary()], cache=cache, use_cache=True).run(video)
    (entry,) = list(cache.entries())
    data = bytearray(entry.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        # flip a byte inside the stored array payload (past the first zip header)
        data[100] ^= 0xFF
    else:
        data = bytearray(b"not a zip at all")
    entry.write_bytes(bytes(data))
    p = Pipeline([FrameSummary()], cache=cache, use_cache=True)
    p.run(video)
    assert dict(p.computed) == {"FrameSummary": 1}
    assert cache.stats.corrupt == 1
    assert cache.get("FrameSummary", entry.stem) is not None  # rewritten, valid again


def _slow_writer(root, ready):
    cache = Cache(root)
    ready.set()
    cache.put("Big", "k" * 40, {"x": np.random.default_rng(0).random((4000, 4000))})  # 128 MB


def test_killed_writer_leaves_no_valid_entry(tmp_path):
    root = tmp_path / "cache"
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=_slow_writer, args=(root, ready))
    proc.start()
    ready.wait(10)
    # kill as soon as the temp file appears, i.e. mid-write
    deadline = time.time() + 20
    while time.time() < deadline and not list(root.glob("Big/*/.*.tmp")):
        time.sleep(0.001)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    cache = Cache(root)
    assert cache.get("Big", "k" * 40) is None
    assert list(cache.entries()) == []


def _racer(root, barrier, value):
    cache = Cache(root)
    barrier.wait()
    for _ in range(5):
        cache.put("Race", "r" * 40, {"x": np.full((300, 300), value, np.float32), "meta": {"v": 1}})


def test_concurrent_writers_end_with_one_valid_entry(tmp_path):
    root = tmp_path / "cache"
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_racer, args=(root, barrier, 7.0)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    cache = Cache(root)
    entries = list(cache.entries())
    assert len(entries) == 1
    got = cache.get("Race", "r" * 40)
    assert got["meta"] == {"v": 1} and float(got["x"].mean()) == 7.0
    assert not list(root.rglob("*.tmp"))


def test_cache_cli_info_clear_and_no_cache(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "c"))
    video = make_video(tmp_path / "a.mp4", n=10)
    assert main(["run", "pipelines/summary.py", str(video), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["computed"] == {"Probe": 1, "FrameSummary": 1}
    assert main(["run", "pipelines/summary.py", str(video), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["computed"] == {}
    assert main(["run", "pipelines/summary.py", str(video), "--json", "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out)["computed"] == {"Probe": 1, "FrameSummary": 1}
    assert main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["entries"] == 2 and set(info["stages"]) == {"Probe", "FrameSummary"}
    assert main(["cache", "clear"]) == 0
    capsys.readouterr()
    assert main(["cache", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 0


def test_cache_dir_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TEMPO_CACHE_DIR", raising=False)
    video = make_video(tmp_path / "a.mp4", n=10)
    assert main(["run", "pipelines/summary.py", str(video), "--cache-dir", str(tmp_path / "cd")]) == 0
    assert len(list((tmp_path / "cd").rglob("*.npz"))) == 2
