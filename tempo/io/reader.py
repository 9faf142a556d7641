"""``VideoReader``: one facade over decord (fast, random access) with a PyAV fallback.

decord is tried first; when it cannot open a file, when its frame count or timestamps disagree
with the packets the file holds (B-frames in AVI give it timestamps of -3.8e17; a header claiming
2**31 frames makes it abort the process), or when a seek/batch read fails, the reader switches to
PyAV, which decodes sequentially and skips (and reports) damaged frames. Frames come back
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
from .probe import VideoInfo, ffmpeg_reason, frame_step, packet_pts, packet_times, probe

log = logging.getLogger(__name__)
_WARNED: set = set()  # (file, lost summary) already warned about in this process


def _quiet_decord():
    """decord's bundled FFmpeg logs every damaged macroblock to stderr; errors reach the user as
    one line from tempo instead (``--debug`` keeps FFmpeg's own messages)."""
    import decord

    if not log.isEnabledFor(logging.DEBUG):
        decord.logging.set_level(decord.logging.QUIET)
    return decord


class _DecordBackend:
    name = "decord"

    def __init__(self, path: Path, width: int, height: int, info: VideoInfo, packets: np.ndarray):
        # decord sizes its frame table from the header's frame count (or duration x fps) and aborts the
        # whole process (std::bad_alloc) when that is absurd: never hand it a header the packets contradict.
        claimed = info.header_frames or info.fps * info.header_duration
        if info.checked != "packets" or claimed > 16 * info.num_frames + 1000:
            raise ValueError(f"header claims {claimed:.0f} frames, the file holds {info.num_frames}")
        decord = _quiet_decord()

        self._vr = decord.VideoReader(str(path), width=width, height=height, num_threads=1)
        self.num_frames = len(self._vr)
        if self.num_frames != len(packets):
            raise ValueError(f"sees {self.num_frames} frames, the file holds {len(packets)}")
        times = np.asarray(self._vr.get_frame_timestamp(np.arange(self.num_frames)), np.float64)[:, 0]
        # decord reports garbage timestamps (-3.8e17) for B-frames in AVI; its frame order is then wrong too
        tolerance = 0.5 * frame_step(packets, info.fps) + 1e-3
        if not (np.all(np.isfinite(times))
                and np.all(np.abs((times - times[0]) - (packets - packets[0])) <= tolerance)):
            raise ValueError("frame timestamps disagree with the container's")
        self.times = times
        self.lost: set[int] = set()

    def frame_times(self) -> np.ndarray:
        return self.times

    def get(self, indices: Sequence[int]) -> np.ndarray:
        return self._vr.get_batch(list(indices)).asnumpy()


class _PyAVBackend:
    """Sequential decoder; reads forward from the last position and reopens only to go back.

    Damaged packets are skipped, not fatal: frames the decoder cannot produce are recorded in ``lost``
    and stand in as the last good frame (the next good one at the very start), so a corrupt middle
    costs those frames only. Frames are numbered in the decoder's output order (that is display
    order even where a container's pts are scrambled, as for B-frames in AVI); after decode errors
    the first frame whose pts jumps ahead says how many frames were lost.
    """

    name = "pyav"

    def __init__(self, path: Path, width: int, height: int, rotation: int = 0):
        self.path = path
        self.size = (width, height)
        self.rotation = rotation
        self._pts, base, start = packet_pts(path)
        self.times = (self._pts - start) * float(base)
        self.num_frames = len(self.times)
        self.lost: set[int] = set()
        self._open()

    def _open(self):
        self._frames = self._decode()
        self._held = None  # (index, frame): the last frame decoded at or before the index asked for
        self._ahead = None  # (index, frame): the next decoded frame, past the index asked for
        self._done = False

    def _index_of(self, pts) -> int | None:
        if pts is None:
            return None
        i = int(np.searchsorted(self._pts, pts))
        return i if i < len(self._pts) and self._pts[i] == pts else None

    def _decode(self) -> Iterator[tuple[int, object]]:
        """(index, frame) for every frame that decodes, in order; gaps are recorded in ``lost``."""
        import av

        with av.open(str(self.path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            nxt, failed = 0, 0  # next index; packets that failed and whose frames are not yet placed
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    failed += 1
                    continue
                for frame in frames:
                    idx, found = nxt, self._index_of(frame.pts)
                    if failed and found is not None and found > nxt:  # skip what the failed packets held
                        idx, failed = found, max(failed - (found - nxt), 0)
                    if idx >= self.num_frames:
                        break
                    self.lost.update(range(nxt, idx))
                    nxt = idx + 1
                    yield idx, frame
                if nxt >= self.num_frames:
                    break
            self.lost.update(range(nxt, self.num_frames))

    def frame_times(self) -> np.ndarray:
        return self.times

    def scan(self) -> int:
        """Decode every frame once, keeping none; returns how many decoded (the rest land in ``lost``)."""
        return sum(1 for _ in self._decode())

    def _to_array(self, frame) -> np.ndarray:
        w, h = self.size
        if w > 0 and h > 0:
            return frame.to_ndarray(format="rgb24", width=w, height=h)
        return frame.to_ndarray(format="rgb24")

    def _frame(self, idx: int):
        if self._held is not None and idx < self._held[0]:
            self._open()
        while True:
            if self._ahead is None and not self._done:
                self._ahead = next(self._frames, None)
                self._done = self._ahead is None
            if self._ahead is None or self._ahead[0] > idx:
                break
            self._held, self._ahead = self._ahead, None
        if self._held is not None and self._held[0] == idx:
            return self._held[1]
        self.lost.add(idx)
        stand_in = self._held or self._ahead
        if stand_in is None:
            raise InputError(self.path, "corrupt video data: no frame could be decoded")
        return stand_in[1]

    def get(self, indices: Sequence[int]) -> np.ndarray:
        frames = np.stack([self._to_array(self._frame(idx)) for idx in indices])
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
            backend = _DecordBackend(self.path, w, h, self.info, packet_times(self.path))
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
        """Presentation time (s) of every frame: real timestamps, so VFR files are handled. Timestamps
        that are not finite and increasing are not timestamps: then frames are spaced 1/fps apart."""
        if self._times is None:
            times = np.asarray(self._backend.frame_times(), dtype=np.float64)
            if len(times) != len(self) or not (np.all(np.isfinite(times)) and np.all(np.diff(times) > 0)):
                times = np.arange(len(self)) / self.fps
            self._times = times - times[0]
        return self._times

    def get_frames(self, indices: Sequence[int]) -> np.ndarray:
        """Decode the given frame indices (any order) into an (N, H, W, 3) uint8 array. Frames that
        cannot be decoded come back as the nearest good one and are listed in ``lost_frames``."""
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

    def scan(self) -> int:
        """Decode every frame once without keeping any (memory stays flat) to find damage; returns the
        number of frames that decode, ``lost_frames`` then lists the others."""
        if self._backend.name != "pyav":  # the sequential decoder is the one that reports lost frames
            self._backend = self._make_backend("pyav")
        decoded = self._backend.scan()
        if not decoded:
            raise InputError(self.path, "corrupt video data: no frame could be decoded")
        return decoded

    @property
    def lost_frames(self) -> list[int]:
        """Indices of the frames found undecodable so far (only what has been decoded is known)."""
        return sorted(self._backend.lost)

    def lost_summary(self) -> str | None:
        """"12 of 250 frames could not be decoded: 70-81 (2.80-3.28 s)", or None when none were lost."""
        lost = self.lost_frames
        if not lost:
            return None
        times, step = self.frame_times(), 1.0 / self.fps
        breaks = np.flatnonzero(np.diff(lost) > 1)
        firsts = [lost[0]] + [lost[i + 1] for i in breaks]
        lasts = [lost[i] for i in breaks] + [lost[-1]]
        spans = [f"{a}-{b} ({times[a]:.2f}-{times[b] + step:.2f} s)" if a != b else f"{a} ({times[a]:.2f} s)"
                 for a, b in zip(firsts, lasts)]
        more = f" and {len(spans) - 8} more ranges" if len(spans) > 8 else ""
        return f"{len(lost)} of {len(self)} frames could not be decoded: {', '.join(spans[:8])}{more}"

    def warn_lost(self) -> None:
        """One warning line naming the file and the frames lost (the run still goes on with the rest);
        said again only when more frames were found lost since."""
        summary = self.lost_summary()
        if summary and (str(self.path), summary) not in _WARNED:  # stacked backbones read a file twice
            _WARNED.add((str(self.path), summary))
            log.warning("%s: %s; the nearest good frame stands in for them", self.path, summary)

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
        if n > 1000 * (len(self) + 1):  # only a broken duration or fps gets here; never allocate from it
            raise InputError(self.path, f"cannot resample {len(self)} frames to {n} samples at {fps} fps "
                             f"(implausible duration {end - start:.4g} s)")
        times = self.frame_times()
        at = start + np.arange(n) / fps + 1e-4
        return np.clip(np.searchsorted(times, at, side="right") - 1, 0, len(times) - 1).astype(np.int64)

    @property
    def duration(self) -> float:
        """Seconds from the first frame to the end of the last, from the frames' own timestamps (the
        probe's duration is used only where it agrees with them)."""
        times = self.frame_times()
        end = times[-1] + frame_step(times, self.fps)
        return float(self.info.duration if end <= self.info.duration <= end + 1.0 / self.fps else end)

    def iter_chunks(self, chunk_size: int = 64, indices: Sequence[int] | None = None
                    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (indices, frames) chunks of at most ``chunk_size`` frames, in order."""
        indices = np.arange(len(self)) if indices is None else np.asarray(indices, dtype=np.int64)
        for start in range(0, len(indices), chunk_size):
            idx = indices[start:start + chunk_size]
            yield idx, self.get_frames(idx)
        self.warn_lost()

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
