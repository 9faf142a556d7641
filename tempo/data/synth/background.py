"""Procedural backdrop seen through a moving camera, with lighting drift and sensor noise.

The texture is larger than the frame; the camera pans slowly, zooms a little and jitters, so the
background moves even when no object does (a detector cannot just threshold frame differences).
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d


def _value_noise(rng, h: int, w: int, octaves: int = 4) -> np.ndarray:
    """Smooth multi-scale noise in [0, 1]; cubic upsampling of coarse random grids (fast, no library does it)."""
    out = np.zeros((h, w), np.float32)
    total = 0.0
    for k in range(octaves):
        cells = 3 * 2**k
        grid = rng.random((cells + 1, int(cells * w / h) + 2)).astype(np.float32)
        amp = 0.55**k
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
    out /= total
    return (out - out.min()) / max(float(np.ptp(out)), 1e-6)


def make_texture(rng, width: int, height: int) -> np.ndarray:
    """A muted, textured backdrop (H', W', 3) float32 in 0..255, 40 % larger than the frame."""
    h, w = int(height * 1.4) + 8, int(width * 1.4) + 8
    palette = rng.uniform(40, 200, (3, 3))
    palette = 0.55 * palette + 0.45 * palette.mean(1, keepdims=True)  # desaturate: objects stay the vivid ones
    a, b = _value_noise(rng, h, w), _value_noise(rng, h, w, octaves=5)
    img = (palette[0] * (1 - a)[..., None] + palette[1] * a[..., None])
    img = img * (1 - 0.5 * b)[..., None] + palette[2] * (0.5 * b)[..., None]
    kind = rng.integers(3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 1:  # faint stripes, like a floor or a wall
        period, theta = rng.uniform(8, 30), rng.uniform(0, np.pi)
        img *= (1 + 0.12 * np.sin(2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) / period))[..., None]
    elif kind == 2:  # faint tiles
        p = rng.uniform(12, 40)
        img *= (1 + 0.1 * (((xx // p + yy // p) % 2) * 2 - 1))[..., None]
    fine = _value_noise(rng, h, w, octaves=2)  # grain at pixel scale
    img += (rng.random((h, w), dtype=np.float32)[..., None] - 0.5) * 18 + (fine[..., None] - 0.5) * 20
    return np.clip(img, 0, 255).astype(np.float32)


class Camera:
    """Slow pan + zoom + hand-held jitter + lighting drift, all as functions of the frame index."""

    def __init__(self, rng, width: int, height: int, fps: float, num_frames: int, tex_shape):
        self.width, self.height, self.fps = width, height, fps
        th, tw = tex_shape[:2]
        self.centre0 = np.array([tw / 2, th / 2]) + rng.uniform(-0.1, 0.1, 2) * (tw, th)
        self.pan = rng.uniform(-1, 1, 2) * (0.025 * width, 0.012 * height)  # pixels per second
        self.zoom_amp, self.zoom_period = rng.uniform(0, 0.08), rng.uniform(8, 30)
        self.zoom_phase = rng.uniform(0, 2 * np.pi)
        jitter = rng.normal(size=(num_frames + 8, 2))
        amp = rng.uniform(0, 1.2)
        jitter = gaussian_filter1d(jitter, 1.5, axis=0)
        self.jitter = jitter / max(float(jitter.std()), 1e-6) * amp
        self.range = np.array([tw / 2 - width / 2 - 2, th / 2 - height / 2 - 2])
        self.gain_amp, self.gain_period = rng.uniform(0.03, 0.15), rng.uniform(6, 40)
        self.tint_amp, self.tint_period = rng.uniform(0, 0.05), rng.uniform(10, 60)
        self.phases = rng.uniform(0, 2 * np.pi, 4)

    def view(self, texture: np.ndarray, i: int) -> np.ndarray:
        t = i / self.fps
        offset = self.centre0 - np.array(texture.shape[1::-1]) / 2 + self.pan * t
        # Fold the pan back and forth inside the texture (a triangle wave), so long videos never leave it.
        span = np.maximum(self.range, 1.0)
        offset = np.abs((offset + span) % (4 * span) - 2 * span) - span
        centre = np.array(texture.shape[1::-1]) / 2 + offset + self.jitter[i]
        zoom = 1 + self.zoom_amp * np.sin(2 * np.pi * t / self.zoom_period + self.zoom_phase)
        # Affine map frame -> texture: x_tex = centre + (x - w/2) / zoom; warpAffine wants the inverse map.
        m = np.array([[zoom, 0, self.width / 2 - zoom * centre[0]], [0, zoom, self.height / 2 - zoom * centre[1]]])
        return cv2.warpAffine(texture, m, (self.width, self.height), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT_101)

    def light(self, i: int) -> np.ndarray:
        """Per-channel multiplicative lighting at frame i."""
        t = i / self.fps
        gain = 1 + self.gain_amp * np.sin(2 * np.pi * t / self.gain_period + self.phases[0])
        tint = 1 + self.tint_amp * np.sin(2 * np.pi * t / self.tint_period + self.phases[1:])
        return (gain * tint).astype(np.float32)
