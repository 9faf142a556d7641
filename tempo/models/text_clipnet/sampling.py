"""Which captions a training window is shown with: descriptions of what acts in it (the positives) and hard
negatives that force *binding* — the same object doing another action, and the same action by an object
described with one attribute changed — plus random captions. Labels are not decided here: they are computed
exactly for every caption of the batch against every window (``instances.pair_labels``), so a "negative"
that happens to describe something else in the window is labelled positive.
"""
from __future__ import annotations

import numpy as np

from .instances import InstanceTable
from .semantics import ACTIONS, COLOUR_CHANGE, COLOURS, RADIX

KIND_RANDOM, KIND_POSITIVE, KIND_HARD = 0, 1, 2


def describe_instance(table: InstanceTable, j: int, rng) -> np.ndarray:
    """A semantic naming instance j's object: half the time by the attributes that single it out (as synth
    queries do), else by the shape plus a random subset of the rest."""
    if rng.random() < 0.5:
        keep = table.keys[j].copy()
        keep[0] = True
    else:
        keep = np.r_[True, rng.random(3) < 0.4]
    sem = np.where(keep, table.attrs[j], -1).tolist()
    to = -1
    if table.action[j] == COLOUR_CHANGE and rng.random() < 0.5:
        to = int(table.to[j])
    return np.array(sem + [int(table.action[j]), to], np.int64)


def hard_negatives(sem: np.ndarray, rng) -> list:
    """Same description, another action; same action, one named attribute changed (or one added with another
    value than the object's)."""
    out = []
    other = sem.copy()
    other[4] = (sem[4] + 1 + rng.integers(len(ACTIONS) - 1)) % len(ACTIONS)
    other[5] = -1
    out.append(other)
    changed = sem.copy()
    k = int(rng.integers(4))
    current = changed[k]
    n = RADIX[k] - (1 if k else 0)
    changed[k] = (max(current, 0) + 1 + rng.integers(n - 1)) % n
    out.append(changed)
    if sem[4] == COLOUR_CHANGE and sem[5] >= 0:
        wrong = sem.copy()
        wrong[5] = (sem[5] + 1 + rng.integers(len(COLOURS) - 1)) % len(COLOURS)
        out.append(wrong)
    return out


def window_captions(table: InstanceTable, centre, rng, pool: np.ndarray, positives: int = 2,
                    randoms: int = 2) -> tuple:
    """(K, 6) semantics for one window and (K,) kinds (random / positive / hard); random ones from ``pool``."""
    c0, c1 = centre
    overlap = np.clip(np.minimum(table.end, c1) - np.maximum(table.start, c0), 0, None)
    active = np.flatnonzero(overlap >= 0.5 * (c1 - c0))
    sems, kinds = [], []
    if len(active):
        for j in rng.choice(active, size=min(positives, len(active)), replace=False):
            sem = describe_instance(table, int(j), rng)
            sems.append(sem)
            kinds.append(KIND_POSITIVE)
            for neg in hard_negatives(sem, rng):
                sems.append(neg)
                kinds.append(KIND_HARD)
    elif len(table.action):
        # nothing acts here: what acts elsewhere in the video is the hardest negative
        for j in rng.choice(len(table.action), size=min(positives, len(table.action)), replace=False):
            sems.append(describe_instance(table, int(j), rng))
            kinds.append(KIND_HARD)
    for i in rng.integers(len(pool), size=randoms):
        sems.append(pool[i])
        kinds.append(KIND_RANDOM)
    return np.stack(sems).astype(np.int64), np.array(kinds, np.int8)
