"""Folder-search pre-filter for a grounder with the object stage: a clip scores as its best row, where a row's score
is its aligned embedding's cosine with the query's sentence embedding plus ``match_weight`` times its full object
match (an object as described doing the named action, ``match_columns``' first column).

Why not the embedding alone (``ClipPrefilter``): on the synthetic set most clips hold some object doing the named
action, and the 128-px embedding tells "a small red star" from "a large blue star" poorly, so the query's own clip was
in the top 128 of 940 for only 37 % of queries. The object stage reads exactly that, and its column costs a few
multiply-adds per row once the query is parsed. The rows stay in memory as indexed (no faiss: every row is scored
anyway, because the match column depends on the query)."""
from __future__ import annotations

import numpy as np

from ..models.object_match.match import match_columns
from .prefilter import l2_rows

# seed 0 val, 80 clips: R@10 36 / 81 / 85 / 85 % at weights 0 / 1 / 4 / 16 (tools/prefilter_recall.py)
MATCH_WEIGHT = 4.0


class ObjectPrefilter:
    def __init__(self, projection, aligned_dims: int, match_weight: float = MATCH_WEIGHT):
        self.projection = projection  # the identity (``SegmentProjection(None, dims)``): rows and text share a space
        self.aligned_dims = int(aligned_dims)
        self.match_weight = float(match_weight)
        self.clip_ids: list = []
        self._rows: dict = {}  # clip id -> (unit embedding rows (N, D), slot rows (N, S) or None)

    def __contains__(self, clip_id) -> bool:
        return clip_id in self._rows

    def __len__(self) -> int:
        return len(self.clip_ids)

    def add(self, clip_id, rows: np.ndarray) -> None:
        """One clip's rows ``[embedding | object slots]`` (slots may be absent: the embedding alone then)."""
        rows = np.asarray(rows, np.float32)
        if clip_id in self._rows or len(rows) == 0:
            return
        slots = rows[:, self.aligned_dims:] if rows.shape[1] > self.aligned_dims else None
        self._rows[clip_id] = (l2_rows(rows[:, :self.aligned_dims]), slots)
        self.clip_ids.append(clip_id)

    def clip_score(self, clip_id, text: np.ndarray, parse: np.ndarray | None) -> float:
        emb, slots = self._rows[clip_id]
        score = emb @ text
        if slots is not None and parse is not None and self.match_weight:
            score = score + self.match_weight * match_columns(slots, parse)[:, 0]
        return float(score.max())

    def top_clips(self, text_embedding: np.ndarray, parse: np.ndarray | None, k: int, among=None) -> list:
        """The ``k`` best clips, best first (ties: the earlier indexed first); only clips of ``among`` when given."""
        text = np.asarray(text_embedding, np.float32).reshape(-1)
        text = text / max(float(np.linalg.norm(text)), 1e-12)
        wanted = None if among is None else set(among)
        clips = self.clip_ids if wanted is None else [c for c in self.clip_ids if c in wanted]
        scores = np.asarray([self.clip_score(c, text, parse) for c in clips], np.float64)
        order = np.argsort(-scores, kind="stable")[:max(k, 0)]
        return [clips[i] for i in order]
