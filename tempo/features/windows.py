"""Which frames each feature covers: the layouts the heads read.

Positions are indices into the *decoded* frame sequence (every frame at native fps, or the frames
that resample the video to a fixed ``fps``).

* ``detect`` (TriDet / ActionFormer): feature i covers positions [i·stride, i·stride + num_frames);
  T = ⌊(N − num_frames) / stride⌋ + 1 (one feature over everything when N < num_frames).
  Its time span is [i·stride, i·stride + num_frames) / fps and its centre (i·stride + num_frames/2) / fps.
* ``ground`` (Moment-DETR / QVHighlights): clip k covers [k·clip_len, (k+1)·clip_len) seconds;
  n_clips = ⌈duration / clip_len⌉ (the last clip may be shorter).
* ``centered`` (a grounding grid read by a clip network that needs more context than one row): row i stands
  for positions [i·stride, (i+1)·stride), i.e. the ``ground`` grid at clip_len = stride / fps, but the network
  sees a num_frames window *centred* on it, [i·stride − (num_frames − stride)/2, …+num_frames); positions before
  the first or after the last frame repeat the edge frame. T = ⌈N / stride⌉.

A per-frame backbone does not see every frame of a window: it samples positions on one global grid
with step ``frame_step`` (default = stride). Window starts are multiples of the stride, so at
frame_step = stride every sampled frame is shared by num_frames/stride windows and is computed
once; the window's feature is the mean over its num_frames/stride samples. That is what makes
the per-frame default cheap: the backbone runs on N/stride frames, not N.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class WindowPlan:
    starts: np.ndarray  # (T,) first position of each window (inclusive)
    ends: np.ndarray  # (T,) last position + 1
    spans: np.ndarray  # (T, 2) seconds [start, end)
    frame_step: int  # per-frame sampling grid
    n_positions: int | None = None  # set when windows may reach past the video: positions are clamped into it

    def __len__(self) -> int:
        return len(self.starts)

    def sampled(self, i: int) -> np.ndarray:
        """Grid positions a per-frame backbone pools for window i (at least the window's first frame)."""
        a, b = int(self.starts[i]), int(self.ends[i])
        first = -(-a // self.frame_step) * self.frame_step
        pos = np.arange(first, b, self.frame_step)
        return self._clamp(pos if len(pos) else np.array([a]))

    def clip_positions(self, i: int, num_frames: int) -> np.ndarray:
        """num_frames positions spread uniformly over window i (repeats when the window is shorter)."""
        a, b = int(self.starts[i]), int(self.ends[i])
        return self._clamp(a + np.floor(np.arange(num_frames) * (b - a) / num_frames).astype(np.int64))

    def _clamp(self, pos: np.ndarray) -> np.ndarray:
        return pos if self.n_positions is None else np.clip(pos, 0, self.n_positions - 1)


def detect_windows(n_positions: int, fps: float, num_frames: int, stride: int,
                   frame_step: int | None = None) -> WindowPlan:
    if n_positions <= 0:
        raise ValueError("no frames to extract features from")
    t = max((n_positions - num_frames) // stride + 1, 1)
    starts = np.arange(t, dtype=np.int64) * stride
    ends = np.minimum(starts + num_frames, n_positions)
    spans = np.stack([starts / fps, (starts + num_frames) / fps], axis=1)
    return WindowPlan(starts, ends, spans.astype(np.float64), frame_step or stride)


def ground_windows(times: np.ndarray, duration: float, clip_len: float, frame_step: int = 1) -> WindowPlan:
    """Windows of clip_len seconds over decoded frames whose presentation times are ``times``."""
    n_clips = max(int(np.ceil(duration / clip_len - 1e-3)), 1)  # 1 ms: float32 timestamps
    edges = np.arange(n_clips + 1) * clip_len
    starts = np.searchsorted(times, edges[:-1] - 1e-6, side="left")
    ends = np.searchsorted(times, edges[1:] - 1e-6, side="left")
    # a clip without its own frame (fps below 1/clip_len, or a tail past the last frame) borrows the nearest
    starts = np.minimum(starts, len(times) - 1)
    ends = np.maximum(ends, starts + 1)
    spans = np.stack([edges[:-1], np.minimum(edges[1:], duration)], axis=1)
    return WindowPlan(starts.astype(np.int64), ends.astype(np.int64), spans, frame_step)


def centered_windows(n_positions: int, fps: float, num_frames: int, stride: int,
                     frame_step: int | None = None) -> WindowPlan:
    if n_positions <= 0:
        raise ValueError("no frames to extract features from")
    t = -(-n_positions // stride)
    starts = np.arange(t, dtype=np.int64) * stride - (num_frames - stride) // 2
    ends = starts + num_frames
    first = np.arange(t) * stride
    spans = np.stack([first / fps, np.minimum(first + stride, n_positions) / fps], axis=1)
    return WindowPlan(starts, ends, spans.astype(np.float64), frame_step or stride, n_positions)
