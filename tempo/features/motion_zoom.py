"""Motion zoom: a second view of a clip, cropped around where its pixels change, so a small network sees the
acting object at up to twice the resolution of the whole-frame view.

A classical stage before the network (no learning): the per-pixel change between consecutive frames of the clip
(largest over colour channels, so a change of colour at equal brightness counts), its largest value over time,
thresholded; the square around the 2nd-98th percentile box of the changed pixels (plus a margin), never smaller
than ``min_side`` nor larger than the frame. No change (a still clip) or change everywhere (camera motion) gives
the whole frame, so the view degrades to the global one. Written by hand: OpenCV and scipy have the pieces
(absdiff, percentiles, resize) but no "crop around the motion of a clip" routine.
"""
from __future__ import annotations

import cv2
import numpy as np

CHANGE_THRESHOLD = 24  # grey levels: above H.264 noise at the synth presets' bitrates, below an object's edge
MARGIN = 0.25  # of the box side, on top of the box: the object's outline and a little context


def zoom_box(clip: np.ndarray, min_side: int, threshold: int = CHANGE_THRESHOLD) -> tuple[int, int, int]:
    """(T, S, S, 3) uint8 clip -> (y0, x0, side) of the square to crop."""
    size = clip.shape[1]
    if clip.shape[0] < 2:
        return 0, 0, size
    frames = clip.astype(np.int16)
    change = np.abs(np.diff(frames, axis=0)).max(axis=(0, 3))  # (S, S)
    ys, xs = np.nonzero(change >= threshold)
    if len(ys) < 4:
        return 0, 0, size
    y_lo, y_hi = np.percentile(ys, (2, 98))
    x_lo, x_hi = np.percentile(xs, (2, 98))
    side = int(round(max(y_hi - y_lo, x_hi - x_lo) * (1 + MARGIN))) + 4
    side = int(np.clip(side, min(min_side, size), size))
    y0 = int(np.clip(round((y_lo + y_hi) / 2 - side / 2), 0, size - side))
    x0 = int(np.clip(round((x_lo + x_hi) / 2 - side / 2), 0, size - side))
    return y0, x0, side


def resize_frames(frames: np.ndarray, size: int) -> np.ndarray:
    """(T, h, w, 3) -> (T, size, size, 3) with the area filter when shrinking (as the networks were trained)."""
    h = frames.shape[1]
    if h == size and frames.shape[2] == size:
        return np.ascontiguousarray(frames)
    interp = cv2.INTER_AREA if h > size else cv2.INTER_LINEAR
    return np.stack([cv2.resize(np.ascontiguousarray(f), (size, size), interpolation=interp) for f in frames])


def two_views(clip: np.ndarray, out_size: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(T, S, S, 3) clip -> (whole frame at out_size, motion zoom at out_size, zoom side / S)."""
    y0, x0, side = zoom_box(clip, min_side=out_size)
    whole = resize_frames(clip, out_size)
    zoom = resize_frames(clip[:, y0:y0 + side, x0:x0 + side], out_size)
    return whole, zoom, side / clip.shape[1]


def two_views_batch(clips: np.ndarray, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(K, T, S, S, 3) -> (K, T, out, out, 3) whole views, the same for zooms, (K,) zoom scales."""
    if len(clips) == 0:
        empty = np.zeros((0, clips.shape[1], out_size, out_size, 3), np.uint8)
        return empty, empty.copy(), np.zeros(0, np.float32)
    views = [two_views(c, out_size) for c in clips]
    return (np.stack([v[0] for v in views]), np.stack([v[1] for v in views]),
            np.array([v[2] for v in views], np.float32))
