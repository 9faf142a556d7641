"""Dense labels for TextClipNet's last feature map: for every cell of a ``grid x grid`` map of a window's middle
frame, the object that covers it most (after occlusion), that object's attributes at that moment and the
labelled action it is doing then.

Why: the grounder's misses are mostly *the right action done by another object*, with one actor in view — the
clip network recognises the actor's shape/colour/size/texture poorly. The caption loss says only whether a
whole window matches a caption; these maps tell every cell what is there, which is far more signal per window
(the scene plan knows every object's pixels, ``tempo.data.synth.shapes.object_layer``).

Arrays (``grid x grid``): ``cover`` — visible fraction of the cell the chosen object covers; ``labels`` —
(5, grid, grid) int64: shape, colour, size, texture, action (``len(ACTIONS)`` = no labelled action), -1 where
no object is chosen.
"""
from __future__ import annotations

import numpy as np

from tempo.data.synth.shapes import object_layer
from tempo.data.synth.vocab import size_class

from .frames import fit_square
from .instances import HFLIP_ACTIONS
from .semantics import ACTIONS, ATTRIBUTES, VALUES

NO_ACTION = len(ACTIONS)
HEAD_SIZES = {"shape": len(VALUES["shape"]) + 1, "colour": len(VALUES["colour"]), "size": len(VALUES["size"]),
              "texture": len(VALUES["texture"]), "action": len(ACTIONS) + 1}  # shape: + background
MIN_COVER = 0.15  # a cell less covered than this by its main object teaches no attribute
BACKGROUND_COVER = 0.02  # a cell covered less than this by every object is background


def _acting(obj, t: float) -> int:
    for inst in obj.instances:
        if inst.start <= t < inst.end:
            return ACTIONS.index(inst.action)
    return NO_ACTION


def object_map(plan, frame: int, grid: int) -> tuple:
    """(cover (grid, grid) float32, labels (5, grid, grid) int64) at ``frame`` of a planned scene, on the
    square crop the network sees (``frames.fit_square``)."""
    t = frame / plan.fps
    ms = min(plan.width, plan.height)
    visible = np.zeros((len(plan.objects), plan.height, plan.width), np.float32)
    rows = []
    for k, obj in enumerate(plan.objects):  # drawn in this order: later objects hide earlier ones
        s = obj.state(t)
        attrs = obj.attributes(t, ms)
        rows.append([VALUES[a].index(attrs[a]) for a in ATTRIBUTES] + [_acting(obj, t)])
        layer = object_layer(obj.shape, obj.texture, s.x, s.y, s.r, s.angle, plan.width, plan.height) \
            if s.alpha > 0 else None
        if layer is None:
            continue
        y0, x0, cover, _ = layer
        a = cover * s.alpha
        visible[:k, y0:y0 + a.shape[0], x0:x0 + a.shape[1]] *= 1 - a
        visible[k, y0:y0 + a.shape[0], x0:x0 + a.shape[1]] = a
    cells = np.stack([fit_square(v, grid) for v in visible]) if len(visible) else np.zeros((0, grid, grid))
    labels = -np.ones((5, grid, grid), np.int64)
    if not len(cells):
        return np.zeros((grid, grid), np.float32), labels
    best = cells.argmax(0)
    cover = np.take_along_axis(cells, best[None], 0)[0].astype(np.float32)
    chosen = cover >= MIN_COVER
    table = np.asarray(rows, np.int64)
    labels[:, chosen] = table[best[chosen]].T
    labels[0][cells.sum(0) < BACKGROUND_COVER] = HEAD_SIZES["shape"] - 1  # background
    return cover, labels


def flip_map(cover: np.ndarray, labels: np.ndarray) -> tuple:
    """The maps of the mirrored frame: cells mirrored, left/right moves and turns swapped."""
    labels = labels[:, :, ::-1].copy()
    act = labels[4]
    known = (act >= 0) & (act < NO_ACTION)
    act[known] = HFLIP_ACTIONS[act[known]]
    return cover[:, ::-1].copy(), labels
