"""Probe a video file with PyAV (header + packet index only, no decoding).

imageio-ffmpeg ships no ffprobe, so PyAV's bundled FFmpeg libraries are the probe. Every failure
becomes an ``InputError`` that names the file and the reason in one line.

Container headers can lie (a patched or broken AVI can claim 2**31 frames, an hour-long duration or
an absurd frame rate), and anything sized from them can exhaust memory. So the frame count and
duration come from the packets actually present (one demux pass, no decoding); the header's values
are kept beside them only to be reported, and ``checked`` says which of the two the numbers are.
"""
from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import InputError

MIN_FPS, MAX_FPS = 1e-3, 1e4  # a frame rate outside this range is a broken header, not a video


@dataclass
class VideoInfo:
    path: str
    fps: float
    num_frames: int
    duration: float
    width: int  # as displayed (after rotation)
    height: int
    rotation: int  # display rotation, FFmpeg convention: degrees counter-clockwise (0/90/180/270)
    has_audio: bool
    codec: str
    variable_frame_rate: bool = False
    # "packets": num_frames/duration counted from the demuxed packets (present, not decoded);
    # "header": only the container header could be read (not verified).
    checked: str = "packets"
    header_frames: int = 0  # what the container header claims (0: it claims nothing)
    header_duration: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def header_disagrees(self) -> bool:
        """The header claims another frame count, or a duration off by more than a second."""
        frames = self.header_frames > 0 and self.header_frames != self.num_frames
        return frames or (self.header_duration > 0 and abs(self.header_duration - self.duration) > 1.0)


def check_readable(path: Path) -> None:
    """Raise InputError for the file-system problems that come before any decoding."""
    try:
        path.stat()
    except PermissionError:
        raise InputError(path, "permission denied (cannot access the file or its folder)") from None
    except OSError:
        if path.is_symlink():
            raise InputError(path, symlink_problem(path)) from None
        raise InputError(path, "no such file or folder") from None
    if not path.exists():
        raise InputError(path, "no such file or folder")
    if path.is_dir():
        raise InputError(path, "is a folder, expected a video file")
    if not os.access(path, os.R_OK):
        raise InputError(path, "permission denied (file is not readable)")
    if path.stat().st_size == 0:
        raise InputError(path, "empty file (0 bytes)")


def symlink_problem(path: Path) -> str:
    """Why a symlink cannot be followed: a loop, or a target that does not exist."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symlink loop (the links never reach a file)"
        return f"broken symlink (target {os.readlink(path)!r} does not exist)"
    return "symlink is fine"


def _rotation_of(container, stream) -> int:
    """Display rotation in FFmpeg's convention (degrees counter-clockwise), read from the first
    decoded frame's display matrix: PyAV exposes it on frames, not streams."""
    try:
        for frame in container.decode(stream):
            return int(round(getattr(frame, "rotation", 0) or 0)) % 360
    except Exception:
        return 0
    return 0


def ffmpeg_reason(exc: Exception) -> str:
    """The human part of a PyAV/FFmpeg error ("Invalid data found when processing input")."""
    reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return str(reason)


def _file_key(path) -> tuple:
    st = Path(path).stat()
    return str(path), st.st_size, st.st_mtime_ns, st.st_ino


def packet_pts(path) -> tuple[np.ndarray, Fraction, int]:
    """(sorted pts of every non-empty video packet, time base, stream start), without decoding.
    One demux pass per file version: the reader, the probe and the fallback decoder share it."""
    return _packet_pts(_file_key(path))


@functools.lru_cache(maxsize=16)
def _packet_pts(key: tuple):
    import av

    with av.open(key[0]) as container:
        stream = container.streams.video[0]
        pts = [p.pts for p in container.demux(stream) if p.pts is not None and p.size > 0]
        base, start = stream.time_base, stream.start_time or 0
    pts = np.sort(np.asarray(pts, dtype=np.int64))
    pts.setflags(write=False)  # cached: shared by every caller
    return pts, base, start


def packet_times(path) -> np.ndarray:
    """Presentation times (seconds, sorted) of every video packet, without decoding."""
    pts, base, start = packet_pts(path)
    return (pts - start) * float(base) if len(pts) else pts.astype(np.float64)


def frame_step(times: np.ndarray, fps: float) -> float:
    """Length of one frame: 1/fps, or the median step between timestamps when that is shorter
    (or there is no usable fps)."""
    steps = np.diff(times)
    steps = steps[steps > 0]
    median = float(np.median(steps)) if len(steps) else np.inf
    return min(median, 1.0 / fps) if fps > 0 else median


def probe(path) -> VideoInfo:
    """Return fps, frame count, duration, size, rotation and audio presence of a video file."""
    import av

    path = Path(path)
    check_readable(path)
    try:
        container = av.open(str(path))
    except av.error.InvalidDataError:
        raise InputError(path, "not a video file, or corrupt (cannot parse container)") from None
    except Exception as exc:  # any other FFmpeg error is still one line for the user
        raise InputError(path, f"cannot open ({ffmpeg_reason(exc)}); truncated or not a video?") from None
    with container:
        if not container.streams.video:
            what = "audio-only file" if container.streams.audio else "no video stream"
            raise InputError(path, f"{what}, nothing to decode")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        if ctx is None or ctx.name is None:
            raise InputError(path, "unsupported video codec")
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(Fraction(rate.numerator, rate.denominator)) if rate else 0.0
        header_frames = max(int(stream.frames or 0), 0)
        width, height = int(ctx.width), int(ctx.height)
        has_audio = len(container.streams.audio) > 0
        codec = ctx.name
        if stream.duration is not None and stream.time_base is not None:
            header_duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            header_duration = container.duration / 1e6
        else:
            header_duration = 0.0
        rotation = _rotation_of(container, stream)
    try:
        times = packet_times(path)
    except Exception:
        if stream_is_mp4_like(path):
            raise InputError(path, "truncated or corrupt (cannot read the video packets)") from None
        times = None
    if times is not None and len(times) == 0:
        raise InputError(path, "video stream has zero frames")
    if not MIN_FPS <= fps <= MAX_FPS:  # broken or missing rate: measure it from the packets
        fps = 1.0 / frame_step(times, 0.0) if times is not None and len(times) > 1 else 0.0
        if not MIN_FPS <= fps <= MAX_FPS:
            raise InputError(path, "video stream has no usable frame rate")
    vfr = False
    if times is None:  # header only: bound it by the file size (a frame is at least a byte)
        num_frames, duration, checked = header_frames, header_duration or header_frames / fps, "header"
        if num_frames <= 0:
            raise InputError(path, "video stream has zero frames")
        if num_frames > path.stat().st_size:
            raise InputError(path, f"header claims {num_frames} frames, more than the file's bytes; "
                             "cannot read the packets to count them")
    else:
        num_frames, checked = len(times), "packets"
        step = frame_step(times, fps)
        duration = float(times[-1] - times[0] + step)
        if 0 < header_duration - duration <= step:  # the header knows the last frame's real length
            duration = header_duration
        if stream_is_mp4_like(path) and num_frames < header_frames * 0.98 - 1:
            raise InputError(path, f"truncated: the header lists {header_frames} frames but only {num_frames} "
                             "are present")
        if stream_is_mp4_like(path) and len(times) > 2:
            d = np.diff(times)
            vfr = bool(d.max() - d.min() > 0.5 / fps)
    if rotation in (90, 270):
        width, height = height, width
    return VideoInfo(str(path), fps, num_frames, duration, width, height, rotation, has_audio, codec, vfr,
                     checked, header_frames, header_duration)


def stream_is_mp4_like(path: Path) -> bool:
    return path.suffix.lower() in {".mp4", ".mov", ".m4v", ".mkv", ".webm"}
