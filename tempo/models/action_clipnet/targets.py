"""Per-window training targets from a video's action segments.

Windows are the detection feature windows (``tempo.features.windows.detect_windows``): window i covers decoded
frames [i * stride, i * stride + window_frames). Per class, in this order along the last axis:

* active: the fraction of the window's frames where an action of the class is running (soft, in [0, 1]);
* start: 1 when an action of the class starts in the window's middle half (frames [w/4, 3w/4) of it);
* end: 1 when one ends there (its end frame = the first frame after it, clipped to the last frame).

The middle half, not the whole window: a boundary at the window's edge is one the next or previous window
sees better, and the middle half of a window is symmetric, so a time-reversed clip swaps start and end exactly.
"""
from __future__ import annotations

import numpy as np


def num_windows(num_frames: int, window_frames: int = 16, stride: int = 4) -> int:
    """T = floor((N - window) / stride) + 1, and one window over everything when N < window."""
    return max((int(num_frames) - window_frames) // stride + 1, 1)


def window_targets(segments, labels, fps: float, num_frames: int, num_classes: int, window_frames: int = 16,
                   stride: int = 4) -> np.ndarray:
    """``segments`` (K, 2) seconds and ``labels`` (K,) class indices -> (T, 3 * num_classes) float32 targets."""
    n = int(num_frames)
    active = np.zeros((n, num_classes), np.float32)
    starts = np.zeros((n, num_classes), np.float32)
    ends = np.zeros((n, num_classes), np.float32)
    for (s, e), c in zip(np.asarray(segments, float).reshape(-1, 2), np.asarray(labels, int).reshape(-1)):
        first, stop = int(round(s * fps)), int(round(e * fps))  # frames [first, stop) show the action
        active[max(first, 0):min(stop, n), c] = 1.0
        if 0 <= first < n:
            starts[first, c] = 1.0
        if 0 < stop <= n:
            ends[min(stop, n - 1), c] = 1.0
    t = num_windows(n, window_frames, stride)
    lo, hi = window_frames // 4, window_frames - window_frames // 4
    out = np.zeros((t, 3 * num_classes), np.float32)
    for i in range(t):
        a = i * stride
        out[i, :num_classes] = active[a:a + window_frames].mean(axis=0)
        mid = slice(a + lo, a + hi)
        if mid.start < n:  # a window shorter than its middle half (tiny video) has no boundary targets
            out[i, num_classes:2 * num_classes] = starts[mid].max(axis=0)
            out[i, 2 * num_classes:] = ends[mid].max(axis=0)
    return out


def entry_targets(entry: dict, num_frames: int, num_classes: int, window_frames: int = 16,
                  stride: int = 4) -> np.ndarray:
    """Targets of one THUMOS-style annotation entry (``fps``, ``annotations`` with ``segment`` and ``label_id``)."""
    anns = entry.get("annotations", [])
    segments = [a["segment"] for a in anns]
    labels = [int(a["label_id"]) for a in anns]
    return window_targets(segments, labels, float(entry["fps"]), num_frames, num_classes, window_frames, stride)
