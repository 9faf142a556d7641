"""A scene plan's labelled action instances as arrays, and how much of a time window the instances that a
caption describes cover: the exact label of any (window, caption) pair.

The ground truth follows ``tempo synth --task ground``: a caption matches an instance of its action (of its
new colour, when it names one) by any object whose attributes matched the description when the instance
started.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tempo.data.synth.captions import distinguishing_keys

from .semantics import ACTIONS, ATTRIBUTES, COLOURS, VALUES

# what a mirror image turns each action into (the labels flip with the pixels)
HFLIP_ACTIONS = np.arange(len(ACTIONS))
for _a, _b in (("move_left", "move_right"), ("rotate_cw", "rotate_ccw")):
    HFLIP_ACTIONS[ACTIONS.index(_a)], HFLIP_ACTIONS[ACTIONS.index(_b)] = ACTIONS.index(_b), ACTIONS.index(_a)


@dataclass
class InstanceTable:
    action: np.ndarray  # (I,) action index
    to: np.ndarray  # (I,) new colour of a colour change, else -1
    attrs: np.ndarray  # (I, 4) the acting object's shape / colour / size / texture when the instance starts
    keys: np.ndarray  # (I, 4) bool: the attributes that single that object out at that moment
    start: np.ndarray  # (I,) seconds
    end: np.ndarray

    def flipped(self) -> "InstanceTable":
        return InstanceTable(HFLIP_ACTIONS[self.action], self.to, self.attrs, self.keys, self.start, self.end)

    def as_arrays(self) -> tuple:
        return self.action, self.to, self.attrs, self.keys, self.start, self.end


def instance_table(plan) -> InstanceTable:
    ms = min(plan.width, plan.height)
    rows = []
    for inst in plan.instances:
        every = [o.attributes(inst.start, ms) for o in plan.objects]
        target = every[inst.obj]
        keys = distinguishing_keys(target, every[:inst.obj] + every[inst.obj + 1:])
        rows.append((ACTIONS.index(inst.action), COLOURS.index(inst.params["to"]) if "to" in inst.params else -1,
                     [VALUES[a].index(target[a]) for a in ATTRIBUTES], [a in keys for a in ATTRIBUTES],
                     inst.start, inst.end))
    if not rows:
        return InstanceTable(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 4), np.int64),
                             np.zeros((0, 4), bool), np.zeros(0), np.zeros(0))
    action, to, attrs, keys, start, end = zip(*rows)
    return InstanceTable(np.array(action), np.array(to), np.array(attrs), np.array(keys), np.array(start, float),
                         np.array(end, float))


def matches(table: InstanceTable, sems: np.ndarray) -> np.ndarray:
    """(C, 6) semantics -> (C, I) bool: which instances each caption describes."""
    sems = np.asarray(sems).reshape(-1, 6)
    ok = sems[:, None, 4] == table.action[None]
    ok &= (sems[:, None, 5] < 0) | (sems[:, None, 5] == table.to[None])
    for k in range(4):
        ok &= (sems[:, None, k] < 0) | (sems[:, None, k] == table.attrs[None, :, k])
    return ok


def coverage(table: InstanceTable, sems: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """(C, 6) semantics, (W, 2) windows in seconds -> (C, W): the fraction of each window that instances the
    caption describes cover. Instances of one object never overlap; those of two look-alike objects may, and
    are summed (clipped at 1) rather than unioned, which only matters when both act at once."""
    windows = np.asarray(windows, float).reshape(-1, 2)
    overlap = np.clip(np.minimum(table.end[:, None], windows[None, :, 1])
                      - np.maximum(table.start[:, None], windows[None, :, 0]), 0, None)  # (I, W)
    covered = matches(table, sems).astype(float) @ overlap
    return np.clip(covered / np.maximum(windows[:, 1] - windows[:, 0], 1e-9)[None], 0, 1)


def pair_labels(table: InstanceTable, sems: np.ndarray, centre: np.ndarray, full: np.ndarray) -> np.ndarray:
    """(C,) labels of one window against C captions: 1 when the described instances cover at least half of the
    window's centre, 0 when they touch no part of the window, -1 (ignored) in between."""
    pos = coverage(table, sems, centre)[:, 0] >= 0.5
    neg = coverage(table, sems, full)[:, 0] <= 1e-6
    return np.where(pos, 1, np.where(neg, 0, -1)).astype(np.int8)


def action_coverage(table: InstanceTable, centre) -> np.ndarray:
    """(num_actions,) fraction of the window centre covered by each action (any object)."""
    c0, c1 = centre
    overlap = np.clip(np.minimum(table.end, c1) - np.maximum(table.start, c0), 0, None) / max(c1 - c0, 1e-9)
    out = np.zeros(len(ACTIONS))
    np.add.at(out, table.action, overlap)
    return np.clip(out, 0, 1)
