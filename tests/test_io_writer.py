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
