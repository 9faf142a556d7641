"""What a synthetic grounding caption means, as six integers, so labels can be computed for any caption
against any window from the scene plan alone.

A *semantic* is ``[shape, colour, size, texture, action, to]``: indices into the synth vocabulary, ``-1`` for an
attribute the caption does not name (the shape is always named, as in ``tempo synth`` queries) and for ``to``
unless the caption is "changes its colour to X". Every semantic has an integer id (mixed radix), and
``phrase`` writes one English caption for it with the synth generator's own templates and synonyms.
"""
from __future__ import annotations

import numpy as np

from tempo.data.synth.actions import ACTION_NAMES
from tempo.data.synth.captions import ACTION_PHRASES, caption
from tempo.data.synth.vocab import COLOUR_WORDS, SHAPE_WORDS, SIZE_WORDS, TEXTURE_WORDS

ATTRIBUTES = ("shape", "colour", "size", "texture")
VALUES = {"shape": list(SHAPE_WORDS), "colour": list(COLOUR_WORDS), "size": list(SIZE_WORDS),
          "texture": list(TEXTURE_WORDS)}
ACTIONS = list(ACTION_NAMES)
COLOUR_CHANGE = ACTIONS.index("change_colour")
COLOURS = VALUES["colour"]
# radix of each field; the optional ones take one extra value (-1 is stored as 0)
RADIX = (len(VALUES["shape"]), len(VALUES["colour"]) + 1, len(VALUES["size"]) + 1, len(VALUES["texture"]) + 1,
         len(ACTIONS), len(COLOURS) + 1)
NUM_IDS = int(np.prod(RADIX))
OFFSET = np.array([0, 1, 1, 1, 0, 1])


def semantic_ids(sems) -> np.ndarray:
    """(N, 6) semantics -> (N,) int64 ids."""
    digits = np.asarray(sems, np.int64).reshape(-1, 6) + OFFSET
    ids = np.zeros(len(digits), np.int64)
    for k, radix in enumerate(RADIX):
        ids = ids * radix + digits[:, k]
    return ids


def from_ids(ids) -> np.ndarray:
    """(N,) ids -> (N, 6) semantics."""
    ids = np.asarray(ids, np.int64).copy()
    digits = np.zeros((len(ids), 6), np.int64)
    for k in range(5, -1, -1):
        digits[:, k] = ids % RADIX[k]
        ids //= RADIX[k]
    return digits - OFFSET


def all_semantics() -> np.ndarray:
    """Every caption meaning tempo's synth queries can have: (40,480, 6)."""
    grids = np.meshgrid(*[np.arange(-o, r - o) for o, r in zip(OFFSET[:4], RADIX[:4])], indexing="ij")
    described = np.stack([g.ravel() for g in grids], 1)
    rows = []
    for action in range(len(ACTIONS)):
        targets = range(-1, len(COLOURS)) if action == COLOUR_CHANGE else (-1,)
        for to in targets:
            rows.append(np.concatenate([described, np.tile([action, to], (len(described), 1))], 1))
    return np.concatenate(rows)


def from_query(row: dict) -> np.ndarray:
    """A ``ground_*.jsonl`` row of ``tempo synth`` (``action``, ``described``, ``to_colour``) -> its semantic."""
    described = row["described"]
    sem = [VALUES[a].index(described[a]) if a in described else -1 for a in ATTRIBUTES]
    to = COLOURS.index(row["to_colour"]) if row.get("to_colour") else -1
    return np.array(sem + [ACTIONS.index(row["action"]), to], np.int64)


def described(sem) -> dict:
    return {a: VALUES[a][int(sem[k])] for k, a in enumerate(ATTRIBUTES) if int(sem[k]) >= 0}


def phrase(sem, rng: np.random.Generator) -> str:
    """One caption of ``sem`` in the synth generator's words: a phrase that names the new colour only when
    ``to`` is set (it narrows the meaning), any other phrase otherwise."""
    action, to = ACTIONS[int(sem[4])], int(sem[5])
    verbs = [v for v in ACTION_PHRASES[action] if ("{to}" in v) == (to >= 0)]
    verb = verbs[int(rng.integers(len(verbs)))]
    return caption(described(sem), verb, {"to": COLOURS[to]} if to >= 0 else {}, rng)
