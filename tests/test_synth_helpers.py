"""Measurements on rendered pixels shared by the synth tests: centroid, area and turning of an
object's own silhouette, and the colour of its fully covered pixels."""
from __future__ import annotations

import cv2
import numpy as np

from tempo.data.synth.render import SceneRenderer
from tempo.data.synth.shapes import object_layer
from tempo.data.synth.timeline import SceneSpec


def tiny_spec(**kw) -> SceneSpec:
    base = dict(width=128, height=96, fps=10, duration=(12.0, 12.0), objects=(2, 4))
    base.update(kw)
    return SceneSpec(**base)


def silhouette_at(renderer: SceneRenderer, index: int, t: float, zoom: int = 1) -> np.ndarray:
    """The object's mask at any time t (not only frame times), drawn by the renderer's own rasteriser,
    optionally on a ``zoom`` times finer pixel grid (small objects turn by too few pixels otherwise)."""
    p, obj = renderer.plan, renderer.plan.objects[index]
    s = obj.state(t)
    mask = np.zeros((p.height * zoom, p.width * zoom), bool)
    if s.alpha <= 0:
        return mask
    layer = object_layer(obj.shape, obj.texture, s.x * zoom, s.y * zoom, s.r * zoom, s.angle,
                         p.width * zoom, p.height * zoom)
    if layer is not None:
        y0, x0, cover, _ = layer
        mask[y0:y0 + cover.shape[0], x0:x0 + cover.shape[1]] = cover * s.alpha > 0.5
    return mask


def centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()])


def turn_between(a: np.ndarray, b: np.ndarray, max_deg: float = 20.0) -> float:
    """Angle (degrees, clockwise on screen) that best turns silhouette a into b about its centroid."""
    cx, cy = centroid(a)
    best, best_iou = 0.0, -1.0
    for deg in np.linspace(-max_deg, max_deg, 41):
        # cv2's positive angle turns counter-clockwise on screen, so negate for clockwise.
        m = cv2.getRotationMatrix2D((float(cx), float(cy)), -float(deg), 1.0)
        r = cv2.warpAffine(a.astype(np.uint8) * 255, m, a.shape[::-1]) > 127
        iou = (r & b).sum() / max((r | b).sum(), 1)
        if iou > best_iou:
            best, best_iou = float(deg), iou
    return best


def mean_colour(renderer: SceneRenderer, index: int, frame: int) -> np.ndarray:
    """Mean RGB of the object's fully covered pixels in a noise-free render with the others hidden,
    divided by the frame's lighting and the texture's brightness: the object's own colour."""
    p, obj = renderer.plan, renderer.plan.objects[index]
    others = {o.index for o in p.objects if o.index != index}
    img = renderer.frame_float(frame, hide=others, noise=False)
    s = obj.state(frame / p.fps)
    y0, x0, cover, bright = object_layer(obj.shape, obj.texture, s.x, s.y, s.r, s.angle, p.width, p.height)
    full = cover >= 0.999
    region = img[y0:y0 + cover.shape[0], x0:x0 + cover.shape[1]][full]
    return (region / renderer.camera.light(frame)).mean(0) / bright[full].mean()
