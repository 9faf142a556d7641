"""Dense optical flow between neighbouring frames, and its completion inside the hole.

Flow comes from OpenCV's DIS (Kroeger et al. 2016), a kept library routine. Inside the hole the measured flow
is meaningless (it matched the hole's placeholder pixels), so it is discarded there and replaced by the
harmonic (membrane) interpolation of the flow on the hole's boundary: the solution of Laplace's equation with
the known flow as Dirichlet values, solved with scipy's sparse direct solver. Smooth flow inside a hole is the
usual assumption of flow-guided completion (camera motion and background are smooth across a small hole).
The sparse system is assembled by hand because no kept library offers a masked Laplace fill.
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import splu

PRESETS = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
           "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}


def grey_for_flow(frame: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """uint8 grey frame with the hole pre-filled (Telea on one channel): zeros in the hole would pull the
    flow around it towards zero; a plausible fill keeps that damage to the few pixels the hole grows by."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if hole.any():
        grey = cv2.inpaint(grey, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    return grey


class FlowEstimator:
    """DIS flow ``a -> b`` (pixel displacement of each pixel of ``a``), float32 (H, W, 2)."""

    def __init__(self, preset: str = "medium"):
        if preset not in PRESETS:
            raise ValueError(f"flow preset must be one of {sorted(PRESETS)}, got {preset!r}")
        self.dis = cv2.DISOpticalFlow_create(PRESETS[preset])

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.dis.calc(a, b, None)


def harmonic_fill(field: np.ndarray, region: np.ndarray) -> np.ndarray:
    """``field`` (H, W, C) with the ``region`` (bool H, W) replaced by the harmonic interpolation of the values
    around it (4-neighbour Laplace, Neumann at the image border). Only the region's bounding box is solved."""
    if not region.any():
        return field
    if region.all():
        return np.zeros_like(field)  # no boundary value: zero motion is the only neutral guess
    rows, cols = np.nonzero(region.any(1))[0], np.nonzero(region.any(0))[0]
    h, w = region.shape
    y0, y1 = max(rows[0] - 1, 0), min(rows[-1] + 2, h)
    x0, x1 = max(cols[0] - 1, 0), min(cols[-1] + 2, w)
    sub, f = region[y0:y1, x0:x1], field[y0:y1, x0:x1].astype(np.float64)
    idx = -np.ones(sub.shape, np.int64)
    ys, xs = np.nonzero(sub)
    n = len(ys)
    idx[ys, xs] = np.arange(n)
    diag = np.zeros(n)
    rhs = np.zeros((n, f.shape[2]))
    r_i, r_j = [], []
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        # neighbours outside the box are outside the region too: take their values from the full field
        gy, gx = ny + y0, nx + x0
        inside = (gy >= 0) & (gy < h) & (gx >= 0) & (gx < w)
        diag += inside
        in_box = inside & (ny >= 0) & (ny < sub.shape[0]) & (nx >= 0) & (nx < sub.shape[1])
        unknown = np.zeros(n, bool)
        unknown[in_box] = sub[ny[in_box], nx[in_box]]
        r_i.append(np.nonzero(unknown)[0])
        r_j.append(idx[ny[unknown], nx[unknown]])
        known = inside & ~unknown
        rhs[known] += field[gy[known], gx[known]]
    i = np.concatenate([np.arange(n)] + r_i)
    j = np.concatenate([np.arange(n)] + r_j)
    v = np.concatenate([diag] + [-np.ones(len(a)) for a in r_i])
    lu = splu(coo_matrix((v, (i, j)), shape=(n, n)).tocsc())
    out = field.copy()
    out[ys + y0, xs + x0] = lu.solve(rhs).astype(field.dtype)
    return out


def completed_flow(estimator: FlowEstimator, grey_a: np.ndarray, grey_b: np.ndarray, hole_a: np.ndarray,
                   hole_b: np.ndarray, grow: int = 4) -> np.ndarray:
    """Flow ``a -> b`` with the holes of both frames (grown by ``grow`` px) filled harmonically."""
    flow = estimator(grey_a, grey_b)
    region = hole_a | hole_b
    if grow > 0 and region.any():
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)
        region = cv2.dilate(region.astype(np.uint8), kernel).astype(bool)
    return harmonic_fill(flow, region)
