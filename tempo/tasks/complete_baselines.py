"""Classical video-completion baselines for ``tempo evaluate complete``.

* ``telea`` / ``ns``: per-frame ``cv2.inpaint`` (Telea fast marching, Navier-Stokes); no temporal information.
* ``propagation``: each hole pixel is copied from the nearest frame (in time) where it is visible, after
  global motion alignment. Alignment = ``cv2.phaseCorrelate`` translation (on grey frames, Hanning window):
  cheap, robust on the synthetic scenes and on camera pans; it cannot model rotation/zoom (an ECC/ORB
  homography would, at higher cost and with failure modes on low-texture frames). Pixels visible in no
  frame fall back to Telea.
* ``flow``: dense-flow propagation (``tempo.models.onion_peel.propagation``: DIS flow completed inside the
  hole, forward/backward chains with a consistency check) with Telea on what no frame shows; the first stage
  of the default ``tempo complete`` pipeline, without the network.

All functions take uint8 RGB frames (N, H, W, 3) and bool holes (N, H, W) and return completed frames
where only hole pixels differ from the input. Hole pixels of the input are never read.
"""
from __future__ import annotations

import cv2
import numpy as np


def inpaint_frames(frames: np.ndarray, holes: np.ndarray, method: str = "telea", radius: int = 3) -> np.ndarray:
    flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}[method]
    out = frames.copy()
    for i, (f, h) in enumerate(zip(frames, holes)):
        if h.any():
            out[i] = cv2.inpaint(np.ascontiguousarray(f), h.astype(np.uint8) * 255, radius, flag)
    return out


def _shift(src_grey: np.ndarray, dst_grey: np.ndarray) -> tuple[float, float]:
    """Translation (dx, dy) that maps ``src`` onto ``dst``."""
    win = cv2.createHanningWindow(src_grey.shape[::-1], cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(src_grey, dst_grey, win)
    # snap near-integer shifts: bilinear resampling of a half-pixel-off estimate would blur the copy
    snap = lambda d: float(round(d)) if abs(d - round(d)) < 0.25 else d  # noqa: E731
    return snap(dx), snap(dy)


def propagate_frames(frames: np.ndarray, holes: np.ndarray, max_distance: int | None = None) -> np.ndarray:
    """Fill holes from the temporally nearest frame where the (motion-aligned) pixel is visible."""
    n, h, w = holes.shape
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(np.float64) for f in frames]
    # the hole pixels would bias the correlation: replace them by the frame's mean of visible pixels
    for g, hole in zip(grey, holes):
        if hole.any() and (~hole).any():
            g[hole] = g[~hole].mean()
    out = frames.copy()
    for t in range(n):
        todo = holes[t].copy()
        if not todo.any():
            continue
        order = sorted((s for s in range(n) if s != t), key=lambda s: (abs(s - t), s))
        if max_distance is not None:
            order = [s for s in order if abs(s - t) <= max_distance]
        for s in order:
            dx, dy = _shift(grey[s], grey[t])
            warp = np.float32([[1, 0, dx], [0, 1, dy]])
            src = cv2.warpAffine(frames[s], warp, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
            # visible in s and inside s's frame after warping
            vis = cv2.warpAffine((~holes[s]).astype(np.uint8), warp, (w, h), flags=cv2.INTER_NEAREST,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
            take = todo & vis
            out[t][take] = src[take]
            todo &= ~take
            if not todo.any():
                break
        if todo.any():
            masked = out[t].copy()
            out[t] = cv2.inpaint(masked, todo.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA)
    return out


def flow_propagate_frames(frames: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """Flow-guided propagation + Telea on the residual (``PropagationCompleter`` without a network)."""
    from ..models.onion_peel.prop_completer import PropagationCompleter

    done = PropagationCompleter().run(len(frames), lambda idx: frames[list(idx)], lambda i: holes[i])
    return np.stack([d.image for d in done])


BASELINES = {
    "telea": lambda f, h: inpaint_frames(f, h, "telea"),
    "ns": lambda f, h: inpaint_frames(f, h, "ns"),
    "propagation": propagate_frames,
    "flow": flow_propagate_frames,
}
