"""Probe a video file with PyAV (header + packet index only, no decoding).

imageio-ffmpeg ships no ffprobe, so PyAV's bundled FFmpeg libraries are the probe. Every failure
becomes an ``InputError`` that names the file and the reason in one line.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import InputError


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

    def to_dict(self) -> dict:
        return asdict(self)


def check_readable(path: Path) -> None:
    """Raise InputError for the file-system problems that come before any decoding."""
    try:
        path.stat()
    except PermissionError:
        raise InputError(path, "permission denied (cannot access the file or its folder)") from None
    except OSError:
        raise InputError(path, "no such file or folder") from None
    if not path.exists():
        raise InputError(path, "no such file or folder")
    if path.is_dir():
        raise InputError(path, "is a folder, expected a video file")
    if not os.access(path, os.R_OK):
        raise InputError(path, "permission denied (file is not readable)")
    if path.stat().st_size == 0:
        raise InputError(path, "empty file (0 bytes)")


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


def packet_times(path: Path) -> np.ndarray:
    """Presentation times (seconds, sorted) of every video packet, without decoding."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        base = stream.time_base
        pts = [p.pts for p in container.demux(stream) if p.pts is not None and p.size > 0]
        start = stream.start_time or 0
    times = np.sort(np.asarray(pts, dtype=np.float64))
    return (times - start) * float(base) if len(times) else times


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
        if not rate:
            raise InputError(path, "video stream has no frame rate")
        fps = float(Fraction(rate.numerator, rate.denominator))
        num_frames = int(stream.frames or 0)
        width, height = int(ctx.width), int(ctx.height)
        has_audio = len(container.streams.audio) > 0
        codec = ctx.name
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1e6
        else:
            duration = 0.0
        rotation = _rotation_of(container, stream)
    times = None
    if num_frames <= 0:
        # Matroska/WebM and some AVIs store no frame count: count packets instead (cheap, no decoding).
        times = packet_times(path)
        num_frames = len(times)
    if num_frames <= 0:
        raise InputError(path, "video stream has zero frames")
    if duration <= 0:
        duration = num_frames / fps
    vfr = False
    if stream_is_mp4_like(path):
        try:
            times = packet_times(path) if times is None else times
        except Exception:
            raise InputError(path, "truncated or corrupt (cannot read the video packets)") from None
        if len(times) < num_frames * 0.98 - 1:
            raise InputError(path, f"truncated: the header lists {num_frames} frames but only {len(times)} "
                             "are present")
        if len(times) > 2:
            d = np.diff(times)
            vfr = bool(d.max() - d.min() > 0.5 / fps)
    if rotation in (90, 270):
        width, height = height, width
    return VideoInfo(str(path), fps, num_frames, duration, width, height, rotation, has_audio, codec, vfr)


def stream_is_mp4_like(path: Path) -> bool:
    return path.suffix.lower() in {".mp4", ".mov", ".m4v", ".mkv", ".webm"}
