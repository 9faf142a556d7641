"""The classes the object stage predicts per object, named by the synthetic scene vocabulary, and the layout of
one object slot (the probabilities a feature row carries for each object it found)."""
from __future__ import annotations

import numpy as np

from tempo.data.synth.actions import ACTION_NAMES
from tempo.data.synth.vocab import COLOURS, SHAPES, SIZE_BOUNDS, TEXTURES

NO_ACTION = "none"
FACTORS = {"shape": list(SHAPES), "colour": list(COLOURS), "size": list(SIZE_BOUNDS), "texture": list(TEXTURES)}
ACTIONS = list(ACTION_NAMES) + [NO_ACTION]
HEADS = {**FACTORS, "action": ACTIONS}  # softmax heads, in slot order after the objectness column

# slot = [objectness | shape probs | colour probs | size probs | texture probs | action probs]
SLOT_DIM = 1 + sum(len(v) for v in HEADS.values())


def slot_slices() -> dict:
    """Head name -> slice of a slot vector ("object" is the objectness column)."""
    out, start = {"object": slice(0, 1)}, 1
    for name, values in HEADS.items():
        out[name] = slice(start, start + len(values))
        start += len(values)
    return out


def label_ids(attributes: dict | None, action: str | None) -> np.ndarray:
    """Integer targets per head (-1 = unknown: a blob that is no object has no attributes)."""
    ids = [FACTORS[k].index(attributes[k]) if attributes else -1 for k in FACTORS]
    ids.append(ACTIONS.index(action or NO_ACTION))
    return np.asarray(ids, np.int64)
