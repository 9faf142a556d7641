"""Where commands write: per-video outputs keep their sub-folders (no silent overwrites), a bad ``-o`` is
refused in one line before any work, and outputs get the umask's mode like a plain ``open``."""
import json
import os
import stat

import pytest

from media import make_video
from tempo.cli import main
from tempo.io.atomic import atomic_write


def _boom(*args, **kwargs):
    raise AssertionError("work started before the output was checked")


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a command loads a model before refusing its output."""
    monkeypatch.setattr("tempo.tasks.restore.load_restorer", _boom)
    monkeypatch.setattr("tempo.models.onion_peel.tempo_weights.load_networks", _boom)
    monkeypatch.setattr("tempo.tasks.detect.ActionDetector", _boom)
    # make_search first: importing text_search subclasses the real MomentSearch, which is then replaced
    monkeypatch.setattr("tempo.tasks.text_search.make_search", _boom)
    monkeypatch.setattr("tempo.tasks.ground.MomentSearch", _boom)
    monkeypatch.setattr("tempo.features.feature_pipeline", _boom)


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.fixture
def place(tmp_path):
    """A folder with a tiny video, a regular file and an existing folder named like a video."""
    make_video(tmp_path / "in.mp4", n=6, width=32, height=32)
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "adir.mp4").mkdir()
    return tmp_path


def _listing(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _refused(capsys, argv, root, before):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1 and err[0].startswith(f"tempo {argv[0]}: error: -o"), err
    assert _listing(root) == before  # nothing created, nothing half-written
    return err[0]


@pytest.mark.parametrize("command", [["restore"], ["complete", "--box", "0,0,8,8"]])
@pytest.mark.parametrize("output, reason", [
    ("out.xyz", "unknown file type '.xyz'"),
    ("adir.mp4", "is a folder"),
    ("afile/x.mp4", "afile is a file"),
    ("afile/sub/x.mp4", "afile is a file"),
    ("out.webm", "cannot hold --codec h264"),
])
def test_video_output_checked_before_any_work(place, no_work, capsys, command, output, reason):
    before = _listing(place)
    line = _refused(capsys, [command[0], str(place / "in.mp4"), *command[1:], "-o", str(place / output)],
                    place, before)
    assert reason in line


@pytest.mark.parametrize("argv", [
    ["detect", "{v}", "-o", "{d}/afile"],
    ["detect", "{v}", "-o", "{d}/afile/out"],
    ["extract", "{v}", "-o", "{d}/afile"],
    ["run", "pipelines/summary.py", "{v}", "-o", "{d}/afile/out"],
    ["ground", "{d}", "a query", "-o", "{d}/results.txt"],
    ["ground", "{d}", "a query", "-o", "{d}/adir.mp4"],
])
def test_folder_and_file_outputs_checked_before_any_work(place, no_work, capsys, argv):
    before = _listing(place)
    _refused(capsys, [a.format(v=place / "in.mp4", d=place) for a in argv], place, before)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_folder_is_refused_up_front(place, no_work, capsys):
    ro = place / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("this user (root) can write into a read-only folder anyway")
        before = _listing(place)
        assert "no permission" in _refused(capsys, ["restore", str(place / "in.mp4"), "-o", str(ro / "o.mp4")],
                                           place, before)
        _refused(capsys, ["detect", str(place / "in.mp4"), "-o", str(ro / "dets")], place, before)
    finally:
        ro.chmod(0o755)


def _same_named_clips(root):
    src = root / "in"
    for sub, n in (("a", 10), ("b", 30)):
        (src / sub).mkdir(parents=True)
        make_video(src / sub / "clip.mp4", n=n, width=32, height=32, fps=10)
    return src


def test_run_keeps_relative_paths_of_same_named_clips(tmp_path, capsys):
    src = _same_named_clips(tmp_path)
    out = tmp_path / "out"
    assert main(["run", "pipelines/summary.py", str(src), "-o", str(out), "--no-cache"]) == 0
    assert _listing(out) == ["a", "a/clip.json", "a/clip.npz", "b", "b/clip.json", "b/clip.npz"]
    durations = {sub: json.loads((out / sub / "clip.json").read_text())["info"]["duration"] for sub in "ab"}
    assert durations["a"] == pytest.approx(1.0, abs=0.15) and durations["b"] == pytest.approx(3.0, abs=0.15)


def test_run_refuses_two_files_that_would_share_an_output(tmp_path, capsys):
    src = _same_named_clips(tmp_path)
    out = tmp_path / "out"
    code = main(["run", "pipelines/summary.py", str(src / "a" / "clip.mp4"), str(src / "b" / "clip.mp4"),
                 "-o", str(out), "--no-cache"])
    assert code == 2 and "'clip'" in capsys.readouterr().err
    assert not out.exists()
    # without -o nothing is written, so nothing can clash
    assert main(["run", "pipelines/summary.py", str(src / "a" / "clip.mp4"), str(src / "b" / "clip.mp4"),
                 "--no-cache", "--json"]) == 0


def test_default_video_output_fits_the_codec(tmp_path):
    from tempo.io.outputs import default_video_output

    assert default_video_output(tmp_path / "x.mov", "restored").name == "x_restored.mp4"
    assert default_video_output(tmp_path / "x.mov", "restored", "ffv1").name == "x_restored.mkv"


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_atomic_write_uses_the_umask_like_open(tmp_path, umask, mask):
    umask(mask)
    path = atomic_write(tmp_path / "sub" / "f.json", "{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert _listing(tmp_path) == ["sub", "sub/f.json"]


def test_atomic_write_interrupted_leaves_nothing(tmp_path, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "f.json", "{}")
    assert _listing(tmp_path) == []


def test_command_outputs_are_readable_by_others(tmp_path, umask, capsys):
    video = make_video(tmp_path / "v.mp4", n=10, width=32, height=32)
    out = tmp_path / "out"
    assert main(["run", "pipelines/summary.py", str(video), "-o", str(out), "--no-cache"]) == 0
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes == {"v.json": 0o644, "v.npz": 0o644}
