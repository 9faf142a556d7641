"""From foreground maps to object crops: per feature-row window, the objects are the connected blobs of the
middle frame's foreground (plus blobs seen elsewhere in the window only: blinking, appearing or vanishing objects),
and each is cut out of every frame of the window at one fixed place and scale, so the recogniser sees its
appearance, how big it is and how it moves inside the crop."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

CROP = 96  # native pixels: the largest objects (radius 0.2 x 224 px) fit whole; stored at half resolution
CHANNELS = 5  # R, G, B, foreground probability, this object's blob (the others in the crop are context)
MAX_OBJECTS = 6
MIN_AREA = 6  # half-resolution pixels (~ a 5-px wide object): smaller blobs are noise


@dataclass
class Blob:
    y: float  # centre, native pixels
    x: float
    area: int  # half-resolution pixels
    mask: np.ndarray  # (h, w) bool at half resolution


def find_blobs(fg: np.ndarray, mid: int, threshold: float = 0.5, max_objects: int = MAX_OBJECTS) -> list:
    """(T, h, w) foreground probabilities at half resolution -> the window's blobs, largest first."""
    mid_mask = fg[mid] > threshold
    blobs = _blobs(mid_mask)
    # objects hidden in the middle frame but visible elsewhere in the window: the window's blobs that never touch
    # a middle-frame blob (the trail of a moving object does, and is left out)
    labels, n = ndimage.label((fg > threshold).any(0))
    if n:
        touched = np.unique(labels[mid_mask])
        blobs += _blobs(np.isin(labels, touched, invert=True) & (labels > 0))
    blobs.sort(key=lambda b: -b.area)
    return blobs[:max_objects]


def _blobs(mask: np.ndarray) -> list:
    labels, n = ndimage.label(mask)
    if not n:
        return []
    idx = np.arange(1, n + 1)
    areas = ndimage.sum_labels(mask, labels, idx)
    centres = ndimage.center_of_mass(mask, labels, idx)
    return [Blob(2 * cy + 1.0, 2 * cx + 1.0, int(a), labels == i)
            for i, a, (cy, cx) in zip(idx, areas, centres) if a >= MIN_AREA]


def crops(frames: np.ndarray, fg: np.ndarray, blobs: list, size: int = CROP) -> np.ndarray:
    """(T, H, W, 3) uint8 frames, (T, h, w) foreground -> (K, T, size / 2, size / 2, CHANNELS) uint8 (each a
    ``size`` x ``size`` native crop, 2x2 means), zero outside the frame."""
    t, h, w = frames.shape[:3]
    if not blobs:
        return np.zeros((0, t, size // 2, size // 2, CHANNELS), np.uint8)
    full = np.zeros((t, h, w, CHANNELS), np.uint8)
    full[..., :3] = frames
    full[..., 3] = _upsample(np.clip(fg * 255 + 0.5, 0, 255).astype(np.uint8), h, w)
    pad = size // 2 + 1
    padded = np.pad(full, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.zeros((len(blobs), t, size, size, CHANNELS), np.uint8)
    for k, b in enumerate(blobs):
        y0 = int(round(b.y)) - size // 2 + pad
        x0 = int(round(b.x)) - size // 2 + pad
        out[k] = padded[:, y0:y0 + size, x0:x0 + size]
        own = np.pad(_upsample(b.mask.astype(np.uint8) * 255, h, w), pad)
        out[k, :, :, :, 4] = own[y0:y0 + size, x0:x0 + size]
    half = out.reshape(len(blobs), t, size // 2, 2, size // 2, 2, CHANNELS).mean((3, 5), dtype=np.float32)
    return (half + 0.5).astype(np.uint8)


def _upsample(half: np.ndarray, h: int, w: int) -> np.ndarray:
    """Half-resolution map back to (h, w) by pixel repetition (the FCN's 2x2 cells)."""
    return np.repeat(np.repeat(half, 2, axis=-2), 2, axis=-1)[..., :h, :w]
