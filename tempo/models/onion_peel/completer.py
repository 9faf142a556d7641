"""Streaming video completion: frames in, completed frames out, with bounded memory.

Per frame: the official preprocessing at the working size, the onion-peel loop reading a bank of at most
K encoded memory frames, the TCN step, then the result (resized back if the working size differs) is
pasted into the ORIGINAL frame on the hole pixels only. Frames are decoded sequentially into a short
look-ahead buffer (memory frames ahead of the current one), so nothing grows with video length.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import cv2
import numpy as np
import torch

from .memory_bank import last_use, memory_indices, select_memory
from .opn import OPN, Memory
from .preprocess import distance_map, frame_tensors, is_all_hole, prepare_frame, prepare_hole
from .tcn import TCN


class AllHoleFrameError(ValueError):
    """A frame is entirely hole: the peel has no known pixel to start from."""

    def __init__(self, index: int):
        self.index = index
        super().__init__(f"frame {index} is entirely masked: nothing to complete it from "
                         "(shrink the mask on that frame)")


@dataclass
class CompletedFrame:
    index: int
    image: np.ndarray  # uint8 (H, W, 3) at the input size: the input with only the hole pixels replaced
    opn: torch.Tensor  # [1,3,h,w] OPN result at the working size
    output: torch.Tensor  # [1,3,h,w] TCN result (= opn without TCN) at the working size
    steps: int  # peel steps (0 when the frame has no hole)
    hole_pixels: int


@dataclass
class _Prepared:
    raw: np.ndarray
    mask: np.ndarray
    frame: torch.Tensor
    valid: torch.Tensor
    hole: torch.Tensor
    dist: torch.Tensor
    has_hole: bool


class _Lookahead:
    """Frames decoded in order, in chunks, kept only until the caller lets them go."""

    def __init__(self, get_frames: Callable[[Sequence[int]], np.ndarray], num_frames: int, chunk_size: int):
        self.get_frames, self.num_frames, self.chunk_size = get_frames, num_frames, chunk_size
        self.buffer: dict[int, np.ndarray] = {}
        self.next = 0

    def get(self, index: int) -> np.ndarray:
        while index >= self.next:
            idx = list(range(self.next, min(self.next + self.chunk_size, self.num_frames)))
            for i, frame in zip(idx, self.get_frames(idx)):
                self.buffer[i] = frame
            self.next = idx[-1] + 1
        return self.buffer[index]

    def release_before(self, index: int) -> None:
        for i in [i for i in self.buffer if i < index]:
            del self.buffer[i]


class VideoCompleter:
    """Complete a video frame by frame.

    Args:
        opn, tcn: loaded networks (tcn=None skips temporal smoothing).
        size: working (height, width); None = each video's own size (padded internally, cropped back).
            The official demo works at (240, 424).
        mem_every: a memory frame every N frames (official: 5).
        memory_frames: K, the most memory frames one frame reads (None = all: the official demo).
        interpolation: frame resize to the working size ("linear" video demo, "cubic" group demo).
        local_window: run each peel step only around its ring (same result up to float rounding; much
            faster for small holes in large frames). See ``opn.WINDOW_MARGIN``.
    """

    def __init__(self, opn: OPN, tcn: TCN | None = None, size: tuple[int, int] | None = None, mem_every: int = 5,
                 memory_frames: int | None = 8, interpolation: str = "linear", device="cpu", chunk_size: int = 8,
                 local_window: bool = True):
        if mem_every < 1 or (memory_frames is not None and memory_frames < 1):
            raise ValueError("mem_every and memory_frames must be >= 1")
        self.opn, self.tcn = opn, tcn
        self.size, self.mem_every, self.memory_frames = size, mem_every, memory_frames
        self.interpolation, self.device, self.chunk_size = interpolation, torch.device(device), chunk_size
        self.local_window = local_window
        self.stats: dict = {}

    def _prepare(self, raw: np.ndarray, mask: np.ndarray, index: int) -> _Prepared:
        mask = np.asarray(mask) > 0.5  # bool: uint8 0/1 masks would index as integers
        if mask.shape != raw.shape[:2]:
            raise ValueError(f"frame {index}: mask is {mask.shape[1]}x{mask.shape[0]}, "
                             f"frame is {raw.shape[1]}x{raw.shape[0]}")
        hole = prepare_hole(mask, self.size, self.opn.hole_dilation)
        dist = distance_map(hole)
        if is_all_hole(dist):
            raise AllHoleFrameError(index)
        tensors = frame_tensors(prepare_frame(raw, self.size, self.interpolation), hole, dist)
        frame, valid, hole_t, dist_t = (t.to(self.device) for t in tensors)
        return _Prepared(raw, mask, frame, valid, hole_t, dist_t, bool(hole.any()))

    def _working_hole(self, mask: np.ndarray) -> torch.Tensor:
        hole = prepare_hole(mask, self.size, self.opn.hole_dilation)
        return torch.from_numpy(hole.astype(np.float32))[None, None].to(self.device)

    @torch.no_grad()
    def run(self, num_frames: int, get_frames: Callable[[Sequence[int]], np.ndarray],
            get_mask: Callable[[int], np.ndarray]) -> Iterator[CompletedFrame]:
        """Yield a ``CompletedFrame`` per frame, in order. ``get_frames(indices)`` -> uint8 (N, H, W, 3),
        ``get_mask(index)`` -> bool (H, W) at the frame's size."""
        midx = memory_indices(num_frames, self.mem_every)
        last = last_use(num_frames, midx, self.memory_frames)
        frames = _Lookahead(get_frames, num_frames, self.chunk_size)
        bank: dict[int, Memory] = {}
        self.stats = {"peak_memory_frames": 0, "peak_buffered_frames": 0}  # to check that memory stays bounded
        prev_out = prev_hole = hidden = None
        cached_sel, cached_memory = None, None
        for f in range(num_frames):
            cur = self._prepare(frames.get(f), get_mask(f), f)
            selection = select_memory(f, midx, self.memory_frames)
            for m in selection:
                if m not in bank:  # encoded from the ORIGINAL frame, never from completed ones
                    p = self._prepare(frames.get(m), get_mask(m), m)
                    bank[m] = self.opn.readable(*self.opn.memorize(p.frame, p.valid, p.dist))
            if selection != cached_sel:
                cached_sel, cached_memory = selection, Memory.concat([bank[m] for m in selection], self.opn.channels)
            if cur.has_hole:
                comp, steps = self.opn.complete(cached_memory, cur.frame, cur.valid, cur.dist,
                                                local_window=self.local_window)
            else:  # one peel step on a frame without hole returns the clamped input
                comp, steps = cur.frame.clamp(0, 1), 0
            out = comp
            if self.tcn is not None:
                if f == 0:  # the demo's wrap-around: a zero previous output and the LAST frame's hole
                    prev_out = comp if num_frames == 1 else torch.zeros_like(comp)
                    prev_hole = cur.hole if num_frames == 1 else self._working_hole(get_mask(num_frames - 1))
                out, hidden = self.tcn(prev_out, prev_hole, comp, cur.hole, hidden)
                prev_out, prev_hole = out, cur.hole
            if f in last and last[f] > f and f not in bank:  # read later by a frame that comes after it
                bank[f] = self.opn.readable(*self.opn.memorize(cur.frame, cur.valid, cur.dist))
            yield CompletedFrame(f, self._paste(cur.raw, cur.mask, out), comp, out, steps, int(cur.mask.sum()))
            self.stats["peak_memory_frames"] = max(self.stats["peak_memory_frames"], len(bank))
            for m in [m for m in bank if last[m] <= f]:
                del bank[m]
            self.stats["peak_buffered_frames"] = max(self.stats["peak_buffered_frames"], len(frames.buffer))
            frames.release_before(f + 1)

    def _paste(self, raw: np.ndarray, mask: np.ndarray, out: torch.Tensor) -> np.ndarray:
        """Put the result into the original frame on the hole pixels only (resized back if needed)."""
        if not mask.any():
            return raw
        img = out[0].permute(1, 2, 0).float().cpu().numpy()
        if img.shape[:2] != raw.shape[:2]:
            img = cv2.resize(img, dsize=(raw.shape[1], raw.shape[0]), interpolation=cv2.INTER_LINEAR)
        filled = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
        result = raw.copy()
        result[mask] = filled[mask]
        return result
