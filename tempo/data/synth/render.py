"""Render the frames of a planned scene, one at a time (any index, any order), and the objects'
own masks for checking annotations against pixels."""
from __future__ import annotations

import numpy as np

from .background import Camera, make_texture
from .shapes import object_layer
from .timeline import ScenePlan


class SceneRenderer:
    def __init__(self, plan: ScenePlan):
        self.plan = plan
        rng = np.random.default_rng(plan.seed)
        self.texture = make_texture(rng, plan.width, plan.height)
        self.camera = Camera(rng, plan.width, plan.height, plan.fps, plan.num_frames, self.texture.shape)

    def _layer(self, obj, i: int):
        s = obj.state(i / self.plan.fps)
        if s.alpha <= 0:
            return None, s
        return object_layer(obj.shape, obj.texture, s.x, s.y, s.r, s.angle, self.plan.width, self.plan.height), s

    def frame_float(self, i: int, hide=(), noise: bool = True) -> np.ndarray:
        """Frame i as float32 (H, W, 3) before quantisation; objects whose index is in ``hide`` are left out."""
        p = self.plan
        img = self.camera.view(self.texture, i)
        for obj in p.objects:
            if obj.index in hide:
                continue
            layer, s = self._layer(obj, i)
            if layer is None:
                continue
            y0, x0, cover, bright = layer
            a = (cover * s.alpha)[..., None]
            region = img[y0:y0 + cover.shape[0], x0:x0 + cover.shape[1]]
            region += a * (np.asarray(s.colour, np.float32) * bright[..., None] - region)
        img *= self.camera.light(i)
        if noise and p.noise_sigma > 0:
            frame_rng = np.random.default_rng([p.seed, i])  # per frame: any frame renders alone, same result
            img += frame_rng.standard_normal(img.shape, dtype=np.float32) * np.float32(p.noise_sigma)
        return img

    def frame(self, i: int, hide=(), noise: bool = True) -> np.ndarray:
        return np.clip(self.frame_float(i, hide, noise) + 0.5, 0, 255).astype(np.uint8)

    def object_mask(self, index: int, i: int, threshold: float = 0.5) -> np.ndarray:
        """Boolean (H, W) silhouette of one object at frame i (unoccluded; empty when it is hidden)."""
        p = self.plan
        mask = np.zeros((p.height, p.width), bool)
        layer, s = self._layer(p.objects[index], i)
        if layer is not None:
            y0, x0, cover, _ = layer
            mask[y0:y0 + cover.shape[0], x0:x0 + cover.shape[1]] = cover * s.alpha > threshold
        return mask

    def frames(self, noise: bool = True):
        for i in range(self.plan.num_frames):
            yield self.frame(i, noise=noise)
