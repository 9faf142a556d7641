"""QVHighlights-style clip labels derived from moment windows.

Synthetic annotations store ``relevant_clip_ids`` / ``saliency_scores`` for 2-second clips (the QVHighlights
convention); a model whose features use shorter clips re-derives them at its own clip length with the same rule.
"""
from __future__ import annotations

import math

ANNOTATORS = 3


def clip_saliency(windows: list, duration: float, clip_len: float = 2.0) -> tuple[list, list]:
    """Clips overlapping a window, and a 1..4 score from how much of the clip the windows cover
    (repeated for QVHighlights' three annotators)."""
    ids, scores = [], []
    for c in range(int(math.ceil(duration / clip_len - 1e-9))):
        a, b = c * clip_len, min((c + 1) * clip_len, duration)
        if b <= a:
            continue
        cover = sum(max(0.0, min(b, e) - max(a, s)) for s, e in windows) / (b - a)
        if cover > 0:
            ids.append(c)
            scores.append([1 + int(min(cover, 0.999) * 4)] * ANNOTATORS)
    return ids, scores
