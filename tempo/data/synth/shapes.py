"""Shape outlines and their drawing: polygons rasterised by OpenCV with sub-pixel precision,
filled with a colour modulated by a texture that turns with the object (so rotation is visible
even for a circle)."""
from __future__ import annotations

import functools

import cv2
import numpy as np


def _regular(n: int, phase: float = -np.pi / 2) -> np.ndarray:
    a = phase + 2 * np.pi * np.arange(n) / n
    return np.stack([np.cos(a), np.sin(a)], 1)


@functools.lru_cache(maxsize=None)
def outline(shape: str) -> np.ndarray:
    """Unit outline (K, 2) of a shape of radius 1 around the origin, y pointing down."""
    if shape == "circle":
        return _regular(48)
    if shape == "square":
        return _regular(4, np.pi / 4) * 1.0
    if shape == "triangle":
        return _regular(3)
    if shape == "pentagon":
        return _regular(5)
    if shape == "hexagon":
        return _regular(6, 0.0)
    if shape == "diamond":  # a rhombus, taller than wide, so it is not a turned square
        return np.array([[0, -1], [0.6, 0], [0, 1], [-0.6, 0]], float)
    if shape == "star":
        outer, inner = _regular(5), _regular(5, -np.pi / 2 + np.pi / 5) * 0.45
        return np.stack([outer, inner], 1).reshape(-1, 2)
    if shape == "cross":
        a, b = 1.0, 0.35
        return np.array([[-b, -a], [b, -a], [b, -b], [a, -b], [a, b], [b, b], [b, a], [-b, a], [-b, b],
                         [-a, b], [-a, -b], [-b, -b]], float)
    raise ValueError(f"unknown shape {shape!r}")


def texture(kind: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Brightness factor in [0.55, 1] at object-local coordinates (u, v) in radii."""
    if kind == "plain":
        return np.ones_like(u)
    if kind == "striped":
        return np.where(np.sin(u * 2 * np.pi * 1.6) > 0, 1.0, 0.6)
    if kind == "dotted":
        d = np.hypot((u * 2.2) % 1 - 0.5, (v * 2.2) % 1 - 0.5)
        return np.where(d < 0.22, 0.55, 1.0)
    if kind == "checkered":
        return np.where((np.floor(u * 2.4) + np.floor(v * 2.4)) % 2 == 0, 1.0, 0.6)
    raise ValueError(f"unknown texture {kind!r}")


def object_layer(shape: str, tex: str, cx: float, cy: float, radius: float, angle_deg: float,
                 width: int, height: int):
    """Rasterise one object: returns (y0, x0, coverage (h, w) float32 in [0, 1], brightness (h, w))
    for the bounding box clipped to the frame, or None when the object lies outside the frame.

    ``angle_deg`` grows clockwise on screen (image y points down)."""
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    pts = outline(shape) @ rot.T * radius + (cx, cy)
    x0 = max(int(np.floor(pts[:, 0].min())) - 1, 0)
    y0 = max(int(np.floor(pts[:, 1].min())) - 1, 0)
    x1 = min(int(np.ceil(pts[:, 0].max())) + 2, width)
    y1 = min(int(np.ceil(pts[:, 1].max())) + 2, height)
    if x1 <= x0 or y1 <= y0:
        return None
    cover = np.zeros((y1 - y0, x1 - x0), np.uint8)
    fixed = np.round((pts - (x0, y0)) * 16).astype(np.int32)  # 4 fractional bits: smooth sub-pixel motion
    cv2.fillPoly(cover, [fixed], 255, lineType=cv2.LINE_AA, shift=4)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = (xx + 0.5 - cx) / radius, (yy + 0.5 - cy) / radius
    u = dx * np.cos(a) + dy * np.sin(a)  # back into the object's own frame, so the texture turns with it
    v = -dx * np.sin(a) + dy * np.cos(a)
    return y0, x0, cover.astype(np.float32) / 255.0, texture(tex, u, v).astype(np.float32)
