"""A motion stream: camera-compensated optical-flow statistics between consecutive sampled frames.

Why: globally pooled ImageNet features hardly change when a small object drifts, grows or turns, so a
detector on appearance alone cannot tell "moves left" from "moves right" (the synthetic benchmark's
classes are defined by temporal change only). Two-stream detectors (I3D RGB + flow, as THUMOS14
features are) solve this with a flow stream; this is the cheap CPU version of that idea.

Per frame (paired with the previous sampled frame, ``frame_step`` frames earlier), from OpenCV's dense
Farnebäck flow (no learned weights):

* the camera motion (median flow) is subtracted, so a panning background does not look like action;
* a magnitude-weighted histogram of flow directions (8 bins) over the frame and its four quadrants;
* the radial and tangential flow about the centroid of what moves, positive and negative parts
  (grows / shrinks, turns clockwise / counter-clockwise). Divergence and curl sums would not do:
  over a region that contains the whole object they integrate to about zero (divergence theorem);
* the mean absolute colour change per channel (blinks, colour changes, (dis)appearances);
* the camera motion itself.

That is 77 numbers per frame, position-invariant over the frame and coarse over quadrants.
Written by hand because no library computes flow statistics of this kind.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..registry import BACKBONES
from .base import FrameBackbone

N_BINS = 8
FARNEBACK = dict(pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0)
VERSION = "farneback-stats-v2"  # enters the cache key through weights_id()


def _regions(h: int, w: int) -> list[tuple[slice, slice]]:
    """The whole frame, then its four quadrants."""
    hh, hw = h // 2, w // 2
    return [(slice(0, h), slice(0, w)), (slice(0, hh), slice(0, hw)), (slice(0, hh), slice(hw, w)),
            (slice(hh, h), slice(0, hw)), (slice(hh, h), slice(hw, w))]


MOVING_PX = 0.2  # flow magnitude (pixels per sampled step) above which a pixel counts as moving


def _centred_parts(f: np.ndarray, mag: np.ndarray, regions) -> list[float]:
    """Per region: [radial+, radial-, tangential+, tangential-] flow about the moving pixels' centroid,
    summed over the moving pixels and divided by the region's area (0 when nothing moves)."""
    out = []
    for r in regions:
        moving = mag[r] > MOVING_PX
        if moving.sum() < 4:
            out += [0.0] * 4
            continue
        ys, xs = np.nonzero(moving)
        w = mag[r][moving]
        dx, dy = xs - np.average(xs, weights=w), ys - np.average(ys, weights=w)
        norm = np.hypot(dx, dy) + 1e-6
        u, v = f[r][..., 0][moving], f[r][..., 1][moving]
        radial = (u * dx + v * dy) / norm
        tangential = (dx * v - dy * u) / norm  # image y points down: positive = clockwise on screen
        area = moving.size
        out += [np.clip(radial, 0, None).sum() / area, np.clip(-radial, 0, None).sum() / area,
                np.clip(tangential, 0, None).sum() / area, np.clip(-tangential, 0, None).sum() / area]
    return [float(x) for x in out]


def motion_descriptor(previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB pair -> (77,) float32 flow statistics (see the module docstring)."""
    g0 = cv2.cvtColor(previous, cv2.COLOR_RGB2GRAY)
    g1 = cv2.cvtColor(current, cv2.COLOR_RGB2GRAY)
    flow = cv2.calcOpticalFlowFarneback(g0, g1, None, **FARNEBACK)
    camera = np.median(flow.reshape(-1, 2), axis=0)
    f = flow - camera
    mag = np.hypot(f[..., 0], f[..., 1])
    bins = ((np.arctan2(f[..., 1], f[..., 0]) + np.pi) / (2 * np.pi) * N_BINS).astype(np.int64) % N_BINS
    h, w = mag.shape
    regions = _regions(h, w)
    quarter = h * w / 4  # histograms are per quarter-frame area so the five regions share one scale
    hist = np.concatenate([np.bincount(bins[r].ravel(), mag[r].ravel(), N_BINS) / quarter for r in regions])
    shape = np.array(_centred_parts(f, mag, regions)) * 10.0
    change = np.abs(current.astype(np.float32) - previous.astype(np.float32)) / 255.0
    colour = np.concatenate([change[r].reshape(-1, 3).mean(axis=0) for r in regions]) * 10.0
    return np.concatenate([hist, shape, colour, camera / 4.0]).astype(np.float32)


@BACKBONES.register_module()
class MotionStats(FrameBackbone):
    """Flow statistics of each sampled frame against the previous sampled one (the first frame of a
    video has no predecessor: its motion is zero)."""

    feature_dim = 5 * N_BINS + 20 + 15 + 2
    input_size = 224
    uses_previous_frame = True

    def weights_id(self) -> str:
        return VERSION

    def forward_frames(self, frames: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        out = np.zeros((len(frames), self.feature_dim), np.float32)
        prev = frames[0] if previous is None else previous
        for i, frame in enumerate(frames):
            out[i] = motion_descriptor(prev, frame)
            prev = frame
        return out
