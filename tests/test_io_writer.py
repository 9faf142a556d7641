"""VideoWriter: fps kept, audio copied, nothing left behind on failure."""
import numpy as np
import pytest

from media import make_with_audio, pattern_frames
from tempo.io import VideoReader, VideoWriter, probe


def test_keeps_fps_and_frames(tmp_path):
    out = tmp_path / "out.mp4"
    with VideoWriter(out, "30000/1001", 64, 48) as w:
        w.write_many(pattern_frames(15, 64, 48))
    info = probe(out)
    assert info.fps == pytest.approx(30000 / 1001) and info.num_frames == 15 and info.codec == "h264"


def test_copies_audio(tmp_path):
    src = make_with_audio(tmp_path / "src.mp4")
    reader = VideoReader(src)
    out = tmp_path / "out.mp4"
    with VideoWriter(out, reader.fps, reader.info.width, reader.info.height, audio_from=src) as w:
        for _, frames in reader.iter_chunks(8):
            w.write_many(frames)
    assert probe(out).has_audio


def test_failure_leaves_no_file(tmp_path):
    out = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(out, 10, 32, 32) as w:
            w.write(np.zeros((32, 32, 3), np.uint8))
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_wrong_frame_size_is_an_error(tmp_path):
    with pytest.raises(ValueError):
        with VideoWriter(tmp_path / "o.mp4", 10, 32, 32) as w:
            w.write(np.zeros((16, 32, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_ffmpeg_refusal_names_its_reason_and_leaves_nothing(tmp_path):
    from tempo.errors import OutputError

    with pytest.raises(OutputError, match="Only VP8 or VP9"):  # ffmpeg's own reason, not "stopped while writing"
        with VideoWriter(tmp_path / "out.webm", 10, 32, 32, codec="h264") as w:
            w.write_many(pattern_frames(40, 32, 32))
    assert list(tmp_path.iterdir()) == []


def test_rename_onto_a_folder_leaves_no_partial(tmp_path):
    from tempo.errors import OutputError

    (tmp_path / "taken.mp4").mkdir()
    with pytest.raises(OutputError, match="taken.mp4"):
        with VideoWriter(tmp_path / "taken.mp4", 10, 32, 32) as w:
            w.write_many(pattern_frames(3, 32, 32))
    assert [p.name for p in tmp_path.iterdir()] == ["taken.mp4"]


def test_interrupt_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with VideoWriter(tmp_path / "out.mp4", 10, 32, 32) as w:
            w.write_many(pattern_frames(3, 32, 32))
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_output_mode_follows_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        with VideoWriter(tmp_path / "out.mp4", 10, 32, 32) as w:
            w.write_many(pattern_frames(3, 32, 32))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.mp4").stat().st_mode) == 0o644
