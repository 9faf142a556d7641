"""Which training source an item comes from, when synthetic clips and real footage are mixed at a set rate."""
from __future__ import annotations

from typing import Sequence


def pick_source(rng, synth: Sequence[int], real: Sequence[int], real_fraction: float | None) -> int:
    """A source index: from ``real`` with probability ``real_fraction``, else from ``synth``. ``None`` (or one
    group empty) draws uniformly over all ``len(synth) + len(real)`` sources, i.e. by source count, which
    assumes the indices of both groups together are 0..n-1."""
    if real_fraction is None or not real or not synth:
        return int(rng.integers(len(synth) + len(real)))
    group = real if rng.random() < real_fraction else synth
    return int(group[int(rng.integers(len(group)))])
