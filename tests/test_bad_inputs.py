"""Every class of bad input gives one line naming the file and the reason, and a non-zero exit;
a folder run goes on past bad files and lists them."""
import os

import pytest

from media import (make_audio_only, make_avi_bframes, make_corrupt, make_corrupt_middle, make_truncated,
                   make_unsupported_codec, make_video, make_zero_frames, patch_avi_frame_count)
from tempo.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, path, reason_words):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert str(path) in lines[0] and "Traceback" not in err
    assert any(w in lines[0].lower() for w in reason_words), lines[0]


@pytest.fixture
def good(tmp_path):
    return make_video(tmp_path / "good.mp4", n=20)


def make_bad(kind, tmp_path, good):
    p = tmp_path / f"bad_{kind}.mp4"
    if kind == "missing":
        return tmp_path / "nope.mp4", ["no such file"]
    if kind == "non_video":
        p.write_text("these are my notes, not a video\n")
        return p, ["not a video"]
    if kind == "zero_byte":
        p.write_bytes(b"")
        return p, ["empty file", "0 bytes"]
    if kind == "truncated":
        return make_truncated(p, good), ["truncated"]
    if kind == "corrupt":
        return make_corrupt(p, good), ["corrupt"]
    if kind == "audio_only":
        return make_audio_only(tmp_path / "speech.m4a"), ["audio-only"]
    if kind == "zero_frames":
        return make_zero_frames(tmp_path / "empty.y4m"), ["zero frames"]
    if kind == "unsupported_codec":
        return make_unsupported_codec(tmp_path / "odd.avi", tmp_path), ["unsupported"]
    raise AssertionError(kind)


KINDS = ["missing", "non_video", "zero_byte", "truncated", "corrupt", "audio_only", "zero_frames",
         "unsupported_codec"]


@pytest.mark.parametrize("kind", KINDS)
def test_bad_file_one_line_and_nonzero_exit(kind, tmp_path, good, capsys):
    path, words = make_bad(kind, tmp_path, good)
    # `run` decodes every frame (info only reads headers), so decode-time damage is caught too
    code, out, err = run_cli(capsys, "run", "pipelines/summary.py", str(path), "--no-cache")
    assert code == 1
    assert_one_line_error(err, path, words)


def test_folder_without_videos(tmp_path, capsys):
    (tmp_path / "readme.txt").write_text("x")
    code, _, err = run_cli(capsys, "info", str(tmp_path))
    assert code == 1
    assert_one_line_error(err, tmp_path, ["no video files"])


def test_unreadable_file(good):
    """Run as an unprivileged user (root reads everything), in a forked child so no exec is needed."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="tempo-perm-")  # pytest's tmp folders are private to root
    os.chmod(folder, 0o755)
    good = shutil.copy(good, folder)
    os.chmod(good, 0)
    pid = os.fork()
    if pid == 0:  # child
        code = 99
        try:
            os.setgid(65534)
            os.setuid(65534)
            from tempo.errors import InputError
            from tempo.io import probe

            try:
                probe(good)
                code = 98
            except InputError as exc:
                code = 0 if "permission denied" in str(exc) and str(good) in str(exc) else 97
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    shutil.rmtree(folder)
    if os.getuid() != 0 and os.waitstatus_to_exitcode(status) == 99:
        pytest.skip("cannot switch user here")
    assert os.waitstatus_to_exitcode(status) == 0


def test_folder_run_continues_past_bad_files(tmp_path, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    make_video(folder / "a.mp4", n=10)
    (folder / "b.mp4").write_bytes(b"")
    make_video(folder / "c.mkv", n=10, codec="vp9")
    (folder / "d.mp4").write_text("junk")
    code, out, err = run_cli(capsys, "run", "pipelines/summary.py", str(folder), "--no-cache", "--json")
    assert code == 1
    import json

    result = json.loads(out)
    assert sorted(os.path.basename(r["video"]) for r in result["results"]) == ["a.mp4", "c.mkv"]
    assert sorted(os.path.basename(p) for p in result["failed"]) == ["b.mp4", "d.mp4"]
    assert "2 of 4 inputs failed" in err


def test_failed_item_leaves_no_output(tmp_path, capsys):
    out_dir = tmp_path / "out"
    bad = tmp_path / "bad.mp4"
    bad.write_text("junk")
    good = make_video(tmp_path / "good.mp4", n=10)
    code, _, _ = run_cli(capsys, "run", "pipelines/summary.py", str(good), str(bad), "-o", str(out_dir), "--no-cache")
    assert code == 1
    assert sorted(p.name for p in out_dir.iterdir()) == ["good.json", "good.npz"]


def test_usage_errors_exit_2(capsys):
    assert main(["run", "pipelines/does_not_exist.py", "x.mp4"]) == 2
    assert main(["info"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["info", "--no-such-flag"])
    assert exc.value.code == 2


def test_broken_avis_run_and_info_says_what_it_checked(tmp_path):
    """B-frames in AVI (decord: timestamps of -3.7e17 s) and a header claiming 2**31 frames (decord aborts
    the process): `tempo run` reads both, `tempo info` names what it counted and what the header claims.
    A child process, because the failure this guards against kills the interpreter."""
    import json
    import subprocess
    import sys

    divx = make_avi_bframes(tmp_path / "divx.avi", tmp_path, n=30, fps=10)
    huge = patch_avi_frame_count(tmp_path / "huge.avi", make_video(tmp_path / "mj.avi", n=30, codec="mjpeg"))
    tempo = [sys.executable, "-m", "tempo"]
    out = subprocess.run(tempo + ["run", "pipelines/summary.py", str(divx), str(huge), "--no-cache", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout)["results"]
    assert [r["arrays"]["times"] for r in results] == [[6], [6]]  # shapes: 3 s at 2 fps
    out = subprocess.run(tempo + ["info", str(huge), str(divx)], capture_output=True, text=True, timeout=300)
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and len(lines) == 2
    assert "30 frames, 3.000 s" in lines[0] and "header claims 2147483647 frames" in lines[0]
    assert "packets counted, not decoded" in lines[1] and "header claims" not in lines[1]


def test_corrupt_middle_is_decoded_around_the_damage(tmp_path, capsys, caplog):
    path = make_corrupt_middle(tmp_path / "damaged.mp4", tmp_path, n=100, fps=25)
    with caplog.at_level("WARNING"):
        code, out, err = run_cli(capsys, "run", "pipelines/summary.py", str(path), "--no-cache", "--json")
    assert code == 0 and "error" not in err
    import json

    assert json.loads(out)["results"][0]["arrays"]["times"] == [8]  # shape: 4 s at 2 fps
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and str(path) in warnings[0] and "could not be decoded" in warnings[0]
    code, out, err = run_cli(capsys, "info", "--decode", str(path))
    assert code == 0 and "frames could not be decoded: " in out and " s)" in out


def test_symlink_loop_and_broken_link_are_one_line_each(tmp_path, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    good = make_video(folder / "good.mp4", n=10)
    (folder / "a.mp4").symlink_to("b.mp4")
    (folder / "b.mp4").symlink_to("a.mp4")
    (folder / "gone.mp4").symlink_to("deleted.mp4")
    code, out, err = run_cli(capsys, "info", str(folder))
    assert code == 1 and str(good) in out and "Traceback" not in err
    reasons = {line.split(": ")[1]: line for line in err.splitlines() if line.startswith("error: ")}
    assert set(reasons) == {str(folder / n) for n in ("a.mp4", "b.mp4", "gone.mp4")}
    assert "symlink loop" in reasons[str(folder / "a.mp4")] and "broken symlink" in reasons[str(folder / "gone.mp4")]
    # given directly, a loop is one bad input among others (it once crashed extract in resolve())
    from tempo.errors import InputError
    from tempo.io.discover import video_ids

    pairs = video_ids([str(folder / "a.mp4"), str(good)])
    assert isinstance(pairs[0][0], InputError) and "symlink loop" in pairs[0][0].reason
    assert pairs[1] == (good, "good")


def test_run_with_output_folder_says_what_it_wrote(tmp_path, capsys):
    good = make_video(tmp_path / "good.mp4", n=10)
    out_dir = tmp_path / "out"
    code, out, _ = run_cli(capsys, "run", "pipelines/summary.py", str(good), "-o", str(out_dir), "--no-cache")
    assert code == 0
    assert out.strip() == f"{good} -> {out_dir / 'good.json'}, {out_dir / 'good.npz'}"
