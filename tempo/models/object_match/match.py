"""How well a row's objects match a query: per slot, the probability that the object is one (objectness), that it
has every attribute the query names (a factor the query leaves unsaid always matches) and that it is doing the
named action; the row's columns are the best slot's (1) full match, (2) attributes only, (3) action only. The
grounding head reads these three columns beside TextClipNet's embedding: (1) is where the described object acts,
(2) and (3) let it tell "right object, other action" from "right action, another object"."""
from __future__ import annotations

import numpy as np

from .labels import FACTORS, HEADS, SLOT_DIM, slot_slices

MATCH_COLUMNS = 3
PARSE_DIM = sum(len(v) + 1 for v in FACTORS.values()) + len(HEADS["action"])


def parse_vector(parsed: dict) -> np.ndarray:
    """QueryParser's softmaxed outputs (factor heads with their trailing "not said", then action) as one vector."""
    return np.concatenate([np.asarray(parsed[k], np.float32).reshape(-1) for k in list(FACTORS) + ["action"]])


def match_columns(slots: np.ndarray, parse: np.ndarray) -> np.ndarray:
    """(N, K * SLOT_DIM) slot rows, (PARSE_DIM,) parse -> (N, 3) float32."""
    s = np.asarray(slots, np.float32).reshape(len(slots), -1, SLOT_DIM)
    where, start = slot_slices(), 0
    attr = np.ones(s.shape[:2], np.float32)
    for name, values in FACTORS.items():
        q = parse[start:start + len(values) + 1]
        attr *= s[..., where[name]] @ q[:len(values)] + q[len(values)]
        start += len(values) + 1
    action = s[..., where["action"]] @ parse[start:start + len(HEADS["action"])]
    obj = s[..., 0]
    cols = np.stack([obj * attr * action, obj * attr, obj * action], -1)
    return cols.max(1) if cols.shape[1] else np.zeros((len(s), MATCH_COLUMNS), np.float32)
