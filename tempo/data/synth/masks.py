"""Hole masks for video completion: static blobs, moving silhouettes and brush strokes.
A mask is a pure function of the frame index (255 = hole), so any frame can be redrawn alone."""
from __future__ import annotations

import cv2
import numpy as np

from .shapes import outline
from .vocab import SHAPES

KINDS = ["static_blobs", "moving_silhouette", "strokes"]


def _blob_outline(rng, n: int = 40) -> np.ndarray:
    """A random smooth closed outline of radius ~1 (a few low-frequency harmonics)."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 6):
        r += rng.uniform(0, 0.35 / k * 2) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.35, None)
    return np.stack([r * np.cos(theta), r * np.sin(theta)], 1)


def _fill(mask, pts):
    cv2.fillPoly(mask, [np.round(pts * 16).astype(np.int32)], 255, lineType=cv2.LINE_8, shift=4)


class HoleMask:
    def __init__(self, rng, width: int, height: int, fps: float, kind: str | None = None):
        self.width, self.height, self.fps = width, height, fps
        self.kind = kind or KINDS[int(rng.integers(len(KINDS)))]
        ms = min(width, height)
        self.params: dict = {"kind": self.kind}
        if self.kind == "static_blobs":
            n = int(rng.integers(1, 4))
            self.items = [(_blob_outline(rng), rng.uniform(0.1, 0.25) * ms,
                           rng.uniform(0.15, 0.85) * width, rng.uniform(0.15, 0.85) * height) for _ in range(n)]
            self.params.update(count=n)
            self._static = self._draw_blobs()
        elif self.kind == "moving_silhouette":
            shape = SHAPES[int(rng.integers(len(SHAPES)))] if rng.random() < 0.5 else "blob"
            self.outline = outline(shape) if shape != "blob" else _blob_outline(rng)
            self.radius = float(rng.uniform(0.12, 0.25) * ms)
            self.start = rng.uniform(0.2, 0.8, 2) * (width, height)
            speed = rng.uniform(0.05, 0.35) * ms  # pixels per second
            heading = rng.uniform(0, 2 * np.pi)
            self.velocity = speed * np.array([np.cos(heading), np.sin(heading)])
            self.spin = float(rng.uniform(-90, 90))  # degrees per second
            self.dilate = int(rng.integers(1, 4))
            self.params.update(shape=shape, radius=round(self.radius, 2), speed=round(float(speed), 2),
                               spin=round(self.spin, 2), dilate=self.dilate)
        else:
            n = int(rng.integers(1, 5))
            self.strokes = []
            for _ in range(n):
                k = int(rng.integers(3, 9))
                step = rng.uniform(0.08, 0.2) * ms
                angles = np.cumsum(rng.uniform(-1.2, 1.2, k)) + rng.uniform(0, 2 * np.pi)
                pts = rng.uniform(0.1, 0.9, 2) * (width, height) + np.cumsum(
                    np.stack([np.cos(angles), np.sin(angles)], 1) * step, 0)
                thick = int(max(2, rng.uniform(0.03, 0.09) * ms))
                drift = rng.uniform(-1, 1, 2) * 0.1 * ms * (rng.random() < 0.5)  # half of them move
                self.strokes.append((pts, thick, drift))
            self.params.update(count=n)

    def _draw_blobs(self):
        mask = np.zeros((self.height, self.width), np.uint8)
        for shape, radius, x, y in self.items:
            _fill(mask, shape * radius + (x, y))
        return mask

    def __call__(self, i: int) -> np.ndarray:
        """Mask (H, W) uint8 of frame i: 255 inside the hole, 0 elsewhere."""
        t = i / self.fps
        if self.kind == "static_blobs":
            return self._static.copy()
        mask = np.zeros((self.height, self.width), np.uint8)
        size = np.array([self.width, self.height], float)
        if self.kind == "moving_silhouette":
            # Bounce off the frame edges: fold the straight path back (a triangle wave per axis).
            p = self.start + self.velocity * t
            p = size - np.abs(size - p % (2 * size))
            a = np.deg2rad(self.spin * t)
            rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
            _fill(mask, self.outline @ rot.T * self.radius + p)
            if self.dilate:
                mask = cv2.dilate(mask, np.ones((2 * self.dilate + 1,) * 2, np.uint8))
            return mask
        for pts, thick, drift in self.strokes:
            moved = np.round(pts + drift * t).astype(np.int32)
            cv2.polylines(mask, [moved], False, 255, thickness=thick, lineType=cv2.LINE_8)
        return mask
