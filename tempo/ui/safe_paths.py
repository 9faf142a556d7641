"""Confine every path the web UI touches to one root folder.

Paths from the browser are relative to the root; ``..`` segments, absolute paths and symlinks that
lead outside the root are refused (the check runs on the fully resolved path).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError


def resolve_under_root(root, relative: str | os.PathLike) -> Path:
    """Return the resolved path of ``relative`` inside ``root`` or raise InputError."""
    root = Path(root).resolve()
    rel = str(relative or ".")
    if os.path.isabs(rel):
        raise InputError(rel, "refused: absolute paths are not allowed, pick a folder under the root")
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise InputError(rel, "refused: path is outside the demo's root folder")
    return target


def list_folders(root, max_depth: int = 3) -> list[str]:
    """Folders under root (relative, '.' first) that do not escape it through symlinks."""
    root = Path(root).resolve()
    out = ["."]
    for dirpath, dirnames, _ in os.walk(root, followlinks=False):
        depth = len(Path(dirpath).relative_to(root).parts)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if depth >= max_depth:
            dirnames[:] = []
        for d in dirnames:
            full = Path(dirpath) / d
            try:
                rel = full.relative_to(root)
                resolve_under_root(root, rel)
            except InputError:
                continue
            out.append(str(rel))
    return out
