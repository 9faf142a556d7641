"""Per-frame preprocessing of the official demos: resize, hole map, distance map, hole pre-fill.

OpenCV is used on purpose, not scipy: the official demo computes distances with
``cv2.distanceTransform(DIST_L2, maskSize=5)`` (a 5x5 chamfer approximation, not the exact EDT, and the
image border does not count as background); the peel rings and the number of peel steps depend on these
exact values, so ``scipy.ndimage.distance_transform_edt`` would not reproduce the official results.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch

from .layers import IMAGENET_MEAN

INTERPOLATION = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}  # video demo / group-image demo
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
# cv2.distanceTransform gives FLT_MAX when no pixel is background (the whole frame is hole).
ALL_HOLE_DISTANCE = 1e30


def prepare_frame(rgb: np.ndarray, size: tuple[int, int] | None = None, interpolation: str = "linear") -> np.ndarray:
    """uint8 RGB (H, W, 3) -> float32 in [0, 1] at ``size`` = (height, width).

    The resize runs on float64 values as in the demo (OpenCV's uint8 path rounds differently).
    """
    frame = np.asarray(rgb, dtype=np.float64) / 255.0
    if size is not None and tuple(size) != frame.shape[:2]:
        frame = cv2.resize(frame, dsize=(size[1], size[0]), interpolation=INTERPOLATION[interpolation])
    return frame.astype(np.float32)


def prepare_hole(mask: np.ndarray, size: tuple[int, int] | None = None, dilate: bool = True) -> np.ndarray:
    """Mask (H, W), > 0.5 = hole -> uint8 hole map at ``size``: legacy nearest resize, then 3x3 cross dilation
    (the demo's; ``dilate=False`` skips it, for models trained on exact masks)."""
    hole = (np.asarray(mask) > 0.5).astype(np.uint8)
    if size is not None and tuple(size) != hole.shape:
        hole = cv2.resize(hole, dsize=(size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    return cv2.dilate(hole, _CROSS) if dilate else hole


def distance_map(hole: np.ndarray) -> np.ndarray:
    """Distance of every hole pixel to the nearest known pixel (OpenCV L2 chamfer 5x5), 0 elsewhere."""
    return cv2.distanceTransform(np.ascontiguousarray(hole, dtype=np.uint8), cv2.DIST_L2, 5).astype(np.float32)


def is_all_hole(dist: np.ndarray | torch.Tensor) -> bool:
    return float(dist.max()) >= ALL_HOLE_DISTANCE


def frame_tensors(frame: np.ndarray, hole: np.ndarray, dist: np.ndarray):
    """-> (pre-filled frame [1,3,H,W], valid [1,1,H,W], hole [1,1,H,W], dist [1,1,H,W]) float32 tensors."""
    frame_t = torch.from_numpy(np.ascontiguousarray(frame.transpose(2, 0, 1)))[None].float()
    hole_t = torch.from_numpy(hole.astype(np.float32))[None, None]
    dist_t = torch.from_numpy(np.ascontiguousarray(dist))[None, None]
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    frame_t = frame_t * (1 - hole_t) + hole_t * mean
    return frame_t, 1 - hole_t, hole_t, dist_t


def preprocess(rgb: np.ndarray, mask: np.ndarray, size=None, interpolation: str = "linear"):
    """One frame through the whole demo preprocessing; returns the four tensors of ``frame_tensors``."""
    hole = prepare_hole(mask, size)
    return frame_tensors(prepare_frame(rgb, size, interpolation), hole, distance_map(hole))
