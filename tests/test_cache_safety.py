"""The cache never costs user data or results: it acts only in its own tagged folder, only on its own
files, serves an entry only for the key it was stored under, and survives an unusable folder."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from media import make_video
from tempo.cli import main
from tempo.pipeline import Cache, Pipeline
from tempo.pipeline.basic_stages import FrameSummary
from tempo.pipeline.cachedir import HOST, TAG_NAME, TAG_SIGNATURE
from tempo.pipeline.fingerprint import file_fingerprint

SUMMARY = "pipelines/summary.py"


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _project(root):
    """A user's folder that a mis-set --cache-dir might point at, including .npz files in the
    cache's own <a>/<bc>/<bcd>.npz shape."""
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text("print('hi')\n")
    (root / "data" / "ab").mkdir(parents=True)
    np.savez(root / "data" / "ab" / "abcd.npz", x=np.arange(3))
    return root


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "a.mp4", n=10)


# 2. --stage is a stage name, never a path

@pytest.mark.parametrize("stage", ["../victim", "VICTIM_ABS", "a/b", "..", "."])
def test_clear_stage_must_be_a_name(tmp_path, stage, capsys):
    cache, victim = tmp_path / "cache", tmp_path / "victim"
    Cache(cache).put("Probe", "ab" * 20, {"x": np.zeros(2)})
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    stage = str(victim) if stage == "VICTIM_ABS" else stage
    with pytest.raises(SystemExit) as exc:
        main(["cache", "clear", "--stage", stage, "--cache-dir", str(cache)])
    assert exc.value.code == 2 and "not a stage name" in capsys.readouterr().err
    assert (victim / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError):
        Cache(cache).clear(stage)
    assert (victim / "keep.txt").exists() and len(list(Cache(cache).entries())) == 1


# 3. a folder without tempo's CACHEDIR.TAG is not touched

@pytest.mark.parametrize("action", ["clear", "verify"])
@pytest.mark.parametrize("how", ["flag", "env_dot"])
def test_cache_commands_refuse_a_folder_that_is_not_a_cache(tmp_path, monkeypatch, capsys, action, how):
    proj = _project(tmp_path / "proj")
    before = _files(proj)
    if how == "flag":
        argv = ["cache", action, "--cache-dir", str(proj)]
    else:
        monkeypatch.chdir(proj)
        monkeypatch.setenv("TEMPO_CACHE_DIR", ".")
        argv = ["cache", action]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "proj" in err and TAG_NAME in err
    assert _files(proj) == before


def test_run_with_a_folder_that_is_not_a_cache_writes_nothing_there(tmp_path, video, capsys, caplog):
    proj = _project(tmp_path / "proj")
    before = _files(proj)
    assert main(["run", SUMMARY, str(video), "--json", "--cache-dir", str(proj)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["computed"] == {"Probe": 1, "FrameSummary": 1} and out["results"][0]["arrays"]["mean_rgb"]
    assert _files(proj) == before
    assert sum("running without it" in r.getMessage() for r in caplog.records) == 1


def test_new_cache_is_tagged_and_clear_removes_only_its_entries(tmp_path, video, capsys):
    cache = tmp_path / "cache"
    assert main(["run", SUMMARY, str(video), "--json", "--cache-dir", str(cache)]) == 0
    assert (cache / TAG_NAME).read_text().startswith(TAG_SIGNATURE)
    # user files that ended up inside the cache folder, one of them in the entries' own shape
    (cache / "notes.txt").write_text("mine")
    (cache / "Probe" / "zz").mkdir()
    np.savez(cache / "Probe" / "zz" / "zzzz.npz", x=np.arange(3))  # no tempo metadata
    capsys.readouterr()
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert "removed 2 cache entries" in capsys.readouterr().out
    assert _files(cache) == ["CACHEDIR.TAG", "Probe/zz/zzzz.npz", "notes.txt"]
    assert not (cache / "FrameSummary").exists()  # emptied layout folders are pruned


def test_empty_folder_is_tagged_on_first_write(tmp_path):
    (tmp_path / "c").mkdir()
    Cache(tmp_path / "c").put("Probe", "ab" * 20, {"x": np.zeros(2)})
    assert (tmp_path / "c" / TAG_NAME).read_text().startswith(TAG_SIGNATURE)


def test_untagged_cache_of_an_earlier_tempo_is_adopted_only_if_all_entries(tmp_path, capsys):
    old = tmp_path / "old"
    Cache(old).put("Probe", "ab" * 20, {"x": np.zeros(2)})
    Cache(old).put("Other", "cd" * 20, {"x": np.ones(2)})
    (old / TAG_NAME).unlink()  # as written before caches were tagged
    mixed = tmp_path / "mixed"
    shutil.copytree(old, mixed)
    (mixed / "Probe" / "ab" / "readme.txt").write_text("mine")
    assert main(["cache", "verify", "--cache-dir", str(old), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] == 2 and (old / TAG_NAME).exists()
    assert main(["cache", "clear", "--cache-dir", str(mixed)]) == 1
    assert len(_files(mixed)) == 3 and not (mixed / TAG_NAME).exists()


# 5. an entry is served only for the stage and key it was stored under

def test_entry_copied_under_another_key_is_not_served(tmp_path):
    a, b = make_video(tmp_path / "a.mp4", n=10), make_video(tmp_path / "b.mp4", n=14)
    cache = Cache(tmp_path / "cache")
    Pipeline([FrameSummary()], cache=cache, use_cache=True).run(a)
    stage = FrameSummary()
    key_a, key_b = (stage.cache_key(file_fingerprint(v)) for v in (a, b))
    target = cache.path_for("FrameSummary", key_b)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(cache.path_for("FrameSummary", key_a), target)
    assert cache.get("FrameSummary", key_b) is None and not target.exists()
    shutil.copy(cache.path_for("FrameSummary", key_a), target)
    p = Pipeline([FrameSummary()], cache=cache, use_cache=True)
    got = p.run(b)
    assert dict(p.computed) == {"FrameSummary": 1}
    fresh = Pipeline([FrameSummary()], use_cache=False).run(b)
    np.testing.assert_array_equal(got["mean_rgb"], fresh["mean_rgb"])
    shutil.copy(cache.path_for("FrameSummary", key_a), cache.path_for("FrameSummary", key_a[:2] + "0" * 38))
    assert cache.verify() == {"valid": 2, "removed": 1, "temp_removed": 0}


# 6. an unusable cache folder never costs the computed result

@pytest.mark.parametrize("kind", ["file", "readonly"])
def test_unusable_cache_keeps_the_result(tmp_path, monkeypatch, capsys, caplog, kind):
    videos = [make_video(tmp_path / "a.mp4", n=10), make_video(tmp_path / "b.mp4", n=12)]
    if kind == "file":
        root = tmp_path / "cachefile"
        root.write_text("x")
    else:  # the cache folder would go in a read-only folder
        ro = tmp_path / "ro"
        ro.mkdir()
        root = ro / "cache"
        if os.geteuid() == 0:  # root ignores mode bits: fail mkdir the way a read-only folder does
            mkdir = Path.mkdir

            def denied(self, *a, **k):
                if ro in self.parents or self == ro:
                    raise PermissionError(13, "Permission denied", str(self))
                return mkdir(self, *a, **k)
            monkeypatch.setattr(Path, "mkdir", denied)
        else:
            ro.chmod(0o555)
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(root))
    assert main(["run", SUMMARY, *map(str, videos), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["results"]) == 2 and not out["failed"]
    assert out["computed"] == {"Probe": 2, "FrameSummary": 2}
    assert sum("running without it" in r.getMessage() for r in caplog.records) == 1
    if kind == "readonly":
        ro.chmod(0o755)


# 8. temp files of dead writers are cleaned; live writers' are kept

def _dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _temps(folder, key):
    dead = folder / f".{key}.{HOST}-{_dead_pid()}.abc123.tmp"
    live = folder / f".{key}.{HOST}-1.def456.tmp"  # pid 1 is alive
    old = folder / f".{key}.q8z_k2lp.tmp"  # an earlier tempo's name, no pid
    fresh = folder / f".{key}.aaaa1234.tmp"
    for p in (dead, live, old, fresh):
        p.write_bytes(b"partial")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    return dead, live, old, fresh


def test_verify_removes_stale_temp_files_and_info_counts_them(tmp_path, capsys):
    cache = Cache(tmp_path / "c")
    key = "ab" * 20
    entry = cache.put("Probe", key, {"x": np.zeros(2)})
    dead, live, old, fresh = _temps(entry.parent, key)
    assert main(["cache", "info", "--json", "--cache-dir", str(cache.root)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["temp_files"] == 4 and info["stale_temp_files"] == 2 and info["entries"] == 1
    assert cache.verify() == {"valid": 1, "removed": 0, "temp_removed": 2}
    assert not dead.exists() and not old.exists() and live.exists() and fresh.exists()


def test_next_write_removes_stale_temp_files(tmp_path):
    cache = Cache(tmp_path / "c")
    key = "ab" * 20
    entry = cache.put("Probe", key, {"x": np.zeros(2)})
    dead, live, old, fresh = _temps(entry.parent, key)
    cache.put("Probe", "ab" + "1" * 38, {"x": np.ones(2)})
    assert not dead.exists() and not old.exists() and live.exists() and fresh.exists()


# 9. entries get the mode a plain open() would give (the umask decides), not mkstemp's 0600

@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_entry_and_tag_mode_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        entry = Cache(tmp_path / "c").put("Probe", "ab" * 20, {"x": np.zeros(2)})
    finally:
        os.umask(old)
    assert entry.stat().st_mode & 0o777 == mode
    assert (tmp_path / "c" / TAG_NAME).stat().st_mode & 0o777 == mode
