"""Training samples rendered straight from the synthetic scene plans, labelled exactly: the renderer knows every
object's silhouette, attributes and the action it is doing at any time.

* ``segmentation_sample``: one frame and the union of the objects' silhouettes (half resolution).
* ``window_objects``: one feature-row window of 8 frames, its blobs found by a trained ``ForegroundNet`` exactly as
  at inference (``objects.find_blobs``), each blob's crops and labels from the object it covers (none: a blob that
  is no object, whose attributes are unknown)."""
from __future__ import annotations

import numpy as np

from tempo.data.synth.render import SceneRenderer
from tempo.features.windows import centered_windows

from .labels import label_ids
from .objects import crops, find_blobs
from .segmenter import half_res_mask
from .slots import CLIP_FRAMES, MIDDLE, STRIDE, WINDOW_FRAMES, foreground_maps

MIN_OVERLAP = 0.5  # share of a blob an object must cover to name it


def segmentation_sample(renderer: SceneRenderer, i: int) -> tuple:
    frame = renderer.frame(i)
    mask = np.zeros(frame.shape[:2], bool)
    for obj in renderer.plan.objects:
        mask |= renderer.object_mask(obj.index, i)
    return frame, half_res_mask(mask)


def row_positions(num_frames: int, fps: float, row: int) -> np.ndarray:
    plan = centered_windows(num_frames, fps, WINDOW_FRAMES, STRIDE)
    return plan.clip_positions(row, CLIP_FRAMES)


def active_action(obj, t: float) -> str | None:
    for inst in obj.instances:
        if inst.start <= t < inst.end:
            return inst.action
    return None


def window_objects(renderer: SceneRenderer, net, row: int) -> tuple:
    """(K, 8, S, S, C) uint8 crops and (K, 5) int64 labels for one row window."""
    plan = renderer.plan
    pos = row_positions(plan.num_frames, plan.fps, row)
    frames = np.stack([renderer.frame(int(i)) for i in pos])
    fg = foreground_maps(net, frames)
    blobs = find_blobs(fg, MIDDLE)
    t = float(pos[MIDDLE]) / plan.fps
    ms = min(plan.width, plan.height)
    masks = {o.index: [half_res_mask(renderer.object_mask(o.index, int(i))) > 0.5 for i in pos]
             for o in plan.objects}
    labels = []
    for b in blobs:
        best, best_cover = None, 0.0
        for o in plan.objects:
            # the middle frame's silhouette first; a blob seen only elsewhere in the window: any frame's
            m = masks[o.index][MIDDLE] if b.mask[masks[o.index][MIDDLE]].any() else np.any(masks[o.index], 0)
            cover = float((b.mask & m).sum()) / max(b.area, 1)
            if cover > best_cover:
                best, best_cover = o, cover
        if best is None or best_cover < MIN_OVERLAP:
            labels.append(label_ids(None, None))
        else:
            labels.append(label_ids(best.attributes(t, ms), active_action(best, t)))
    labels = np.stack(labels) if labels else np.zeros((0, 5), np.int64)
    return crops(frames, fg, blobs), labels
