"""``VideoReader``: one facade over decord (fast, random access) with a PyAV fallback.

decord is tried first; when it cannot open a file, or a seek/batch read fails (some VFR or
unusual containers), the reader switches to PyAV, which decodes sequentially. Frames come back
as RGB uint8 (N, H, W, 3), rotated the way a player shows them (decord does this itself;
the PyAV path applies the display matrix).
Memory stays bounded: ``iter_chunks`` never holds more than one chunk of decoded frames.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..errors import InputError
from .probe import VideoInfo, ffmpeg_reason, packet_times, probe

log = logging.getLogger(__name__)


def _quiet_decord():
    """decord's bundled FFmpeg logs every damaged macroblock to stderr; errors reach the user as
    one line from tempo instead (``--debug`` keeps FFmpeg's own messages)."""
    import decord

    if not log.isEnabledFor(logging.DEBUG):
        decord.logging.set_level(decord.logging.QUIET)
    return decord


class _DecordBackend:
    name = "decord"

    def __init__(self, path: Path, width: int, height: int):
        decord = _quiet_decord()

        self._vr = decord.VideoReader(str(path), width=width, height=height, num_threads=1)
        self.num_frames = len(self._vr)

    def frame_times(self) -> np.ndarray:
        return np.asarray(self._vr.get_frame_timestamp(np.arange(self.num_frames)))[:, 0]

    def get(self, indices: Sequence[int]) -> np.ndarray:
        return self._vr.get_batch(list(indices)).asnumpy()


class _PyAVBackend:
    """Sequential decoder; reads forward from the last position and reopens only to go back."""

    name = "pyav"

    def __init__(self, path: Path, width: int, height: int, rotation: int = 0):
        self.path = path
        self.size = (width, height)
        self.rotation = rotation
        self.times = packet_times(path)
        self.num_frames = len(self.times)
        self._open()

    def _open(self):
        import av

        self._container = av.open(str(self.path))
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._frames = self._container.decode(self._stream)
        self._pos = 0  # index of the next frame the decoder yields

    def frame_times(self) -> np.ndarray:
        return self.times

    def _to_array(self, frame) -> np.ndarray:
        w, h = self.size
        if w > 0 and h > 0:
            return frame.to_ndarray(format="rgb24", width=w, height=h)
        return frame.to_ndarray(format="rgb24")

    def get(self, indices: Sequence[int]) -> np.ndarray:
        out = []
        for idx in indices:
            if idx < self._pos:
                self._container.close()
                self._open()
            frame = None
            while self._pos <= idx:
                frame = next(self._frames)
                self._pos += 1
            out.append(self._to_array(frame))
        frames = np.stack(out)
        if self.rotation:
            # FFmpeg's rotation is counter-clockwise, as is np.rot90 over the (H, W) axes.
            frames = np.ascontiguousarray(np.rot90(frames, k=self.rotation // 90, axes=(1, 2)))
        return frames


class VideoReader:
    """Read frames of a video by index, by timestamp, or resampled to a target fps.

    Args:
        path: the video file.
        width, height: resize on decode (both, or one with the other from the aspect ratio).
            Sizes are those *displayed*, i.e. after rotation.
        backend: "auto" (decord, then PyAV), "decord" or "pyav".
    """

    def __init__(self, path, width: int | None = None, height: int | None = None, backend: str = "auto"):
        self.path = Path(path)
        self.info: VideoInfo = probe(self.path)
        self.out_width, self.out_height = _target_size(self.info, width, height)
        self._backend = None
        self._times = None
        errors = []
        order = ["decord", "pyav"]
        if self.info.rotation:  # decord's rotation path fails on some sizes (buffer size mismatch)
            order.reverse()
        for name in (order if backend == "auto" else [backend]):
            try:
                self._backend = self._make_backend(name)
                break
            except Exception as exc:  # decord raises its own error types; keep the reason for the user
                errors.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        if self._backend is None:
            raise InputError(self.path, "cannot decode video (" + "; ".join(errors) + ")")

    def _make_backend(self, name: str):
        w, h = self.out_width, self.out_height
        if (w, h) == (self.info.width, self.info.height):
            w, h = -1, -1
        if name == "decord":  # decord applies the display rotation itself
            backend = _DecordBackend(self.path, w, h)
        else:  # PyAV decodes the stored picture: resize to the stored size, rotate afterwards
            rotated = self.info.rotation in (90, 270)
            backend = _PyAVBackend(self.path, h if rotated else w, w if rotated else h, self.info.rotation)
        if backend.num_frames <= 0:
            raise InputError(self.path, "video stream has zero frames")
        if name == "decord":
            backend.get([0])  # some files open but cannot decode; find out now, not mid-run
        return backend

    @property
    def backend(self) -> str:
        return self._backend.name

    def __len__(self) -> int:
        return self._backend.num_frames

    @property
    def fps(self) -> float:
        return self.info.fps

    def frame_times(self) -> np.ndarray:
        """Presentation time (s) of every frame: real timestamps, so VFR files are handled."""
        if self._times is None:
            times = np.asarray(self._backend.frame_times(), dtype=np.float64)
            if len(times) != len(self) or not np.all(np.isfinite(times)):
                times = np.arange(len(self)) / self.fps
            self._times = times - times[0]
        return self._times

    def get_frames(self, indices: Sequence[int]) -> np.ndarray:
        """Decode the given frame indices (any order) into an (N, H, W, 3) uint8 array."""
        indices = [int(i) for i in indices]
        n = len(self)
        for i in indices:
            if not 0 <= i < n:
                raise IndexError(f"{self.path}: frame {i} out of range [0, {n})")
        if not indices:
            return np.zeros((0, self.out_height, self.out_width, 3), np.uint8)
        try:
            frames = self._backend.get(indices)
        except (InputError, IndexError):
            raise
        except Exception as exc:
            if self._backend.name == "pyav":
                raise InputError(self.path, f"corrupt video data: decoding failed at frames {indices[0]}.."
                                 f"{indices[-1]} ({ffmpeg_reason(exc)})") from None
            log.info("decord failed on %s (%s); falling back to PyAV", self.path, exc)
            self._backend = self._make_backend("pyav")
            return self.get_frames(indices)
        return frames

    def index_at(self, t: float) -> int:
        """Index of the frame shown at time t (seconds): the last frame starting at or before t
        (0.1 ms tolerance: decord reports float32 timestamps)."""
        times = self.frame_times()
        return int(np.clip(np.searchsorted(times, t + 1e-4, side="right") - 1, 0, len(times) - 1))

    def frame_at(self, t: float) -> np.ndarray:
        return self.get_frames([self.index_at(t)])[0]

    def indices_at_fps(self, fps: float, start: float = 0.0, end: float | None = None) -> np.ndarray:
        """Frame indices that resample the video to ``fps`` (the frame shown at each k/fps)."""
        end = self.duration if end is None else min(end, self.duration)
        n = max(int(np.floor((end - start) * fps + 1e-6)), 1)
        times = start + np.arange(n) / fps
        return np.array([self.index_at(t) for t in times], dtype=np.int64)

    @property
    def duration(self) -> float:
        times = self.frame_times()
        return float(max(self.info.duration, times[-1] + 1.0 / self.fps))

    def iter_chunks(self, chunk_size: int = 64, indices: Sequence[int] | None = None
                    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (indices, frames) chunks of at most ``chunk_size`` frames, in order."""
        indices = np.arange(len(self)) if indices is None else np.asarray(indices, dtype=np.int64)
        for start in range(0, len(indices), chunk_size):
            idx = indices[start:start + chunk_size]
            yield idx, self.get_frames(idx)

    def __iter__(self) -> Iterator[np.ndarray]:
        for _, frames in self.iter_chunks():
            yield from frames


def _target_size(info: VideoInfo, width: int | None, height: int | None) -> tuple[int, int]:
    if width and height:
        return int(width), int(height)
    if width:
        return int(width), max(1, round(info.height * width / info.width))
    if height:
        return max(1, round(info.width * height / info.height)), int(height)
    return info.width, info.height
