"""Cache identity of the files a stage reads (weights, their JSON, a mask or query file): their content."""
from __future__ import annotations

from pathlib import Path

from ..pipeline import file_fingerprint, stable_hash


def files_id(*paths) -> str:
    """Hash of the content of each existing file (and its ``.json`` sidecar), in order; None/absent count as such."""
    parts = []
    for p in paths:
        if p is None:
            parts.append(None)
            continue
        p = Path(p)
        side = p.with_suffix(".json")
        parts.append([file_fingerprint(f) if f.is_file() else None for f in (p, side)] if p.suffix != ".json"
                     else file_fingerprint(p) if p.is_file() else None)
    return stable_hash(parts)


def shared(cache: dict, key, make):
    """One model per settings in this process: built on first use, so a cache hit loads nothing."""
    if key not in cache:
        cache[key] = make()
    return cache[key]
