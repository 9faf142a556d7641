"""Confine every path the web UI touches to one root folder.

Paths from the browser are relative to the root; ``..`` segments, absolute paths and symlinks that
lead outside the root are refused (the check runs on the fully resolved path). Listings skip dot
files and dot folders (``.env``, ``.git``) and anything whose resolved path leaves the root.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import InputError, TempoError
from ..io.discover import is_video_name


def resolve_under_root(root, relative: str | os.PathLike) -> Path:
    """Return the resolved path of ``relative`` inside ``root`` or raise InputError."""
    root = Path(root).resolve()
    rel = str(relative or ".")
    if os.path.isabs(rel):
        raise InputError(rel, "refused: absolute paths are not allowed, pick a folder under the root")
    target = (root / rel).resolve()
    if not is_under(root, target):
        raise InputError(rel, "refused: path is outside the demo's root folder")
    return target


def is_under(root: Path, path: Path) -> bool:
    """``path`` (resolved) is ``root`` (resolved) or inside it."""
    return path == root or root in path.parents


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


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


def servable_video(root, path) -> Path | None:
    """The resolved ``path`` if the demo may index and serve it: a video file, no dot file or dot
    folder on the way, not a symlink whose target leaves ``root``; else None."""
    root, path = Path(root).resolve(), Path(path)
    if path.name.startswith(".") or not is_video_name(path):
        return None
    real = path.resolve()
    if not is_under(root, real) or _hidden(real.relative_to(root)) or not real.is_file():
        return None
    return real


def list_videos(root, folder) -> list[Path]:
    """Servable videos (see ``servable_video``) under ``folder``, recursively, sorted, resolved."""
    root = Path(root).resolve()
    folder = Path(folder).resolve()
    if not is_under(root, folder) or _hidden(folder.relative_to(root)):
        return []
    found = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.update(v for v in (servable_video(root, Path(dirpath) / n) for n in filenames) if v is not None)
    return sorted(found)


def shown(path, bases) -> str:
    """How a server path is shown in the page: relative to the first of ``bases`` (folders) that
    holds it, else its file name only."""
    path = Path(path)
    for base in bases:
        for p in (path, path.resolve()):
            try:
                return str(p.relative_to(base))
            except ValueError:
                continue
    return path.name


# an absolute path inside a message: "/" not preceded by a word character or a dot, up to a delimiter
_ABS_PATH = re.compile(r"(?<![\w.])/(?:[^\s'\"`:,;()]+/)*[^\s'\"`:,;()]+")


def public_message(exc: BaseException, bases) -> str:
    """An error as the browser may see it: no absolute server paths (shown relative to ``bases``)."""
    if isinstance(exc, InputError):
        text = f"{shown(exc.path, bases)}: {exc.reason}" if os.path.isabs(exc.path) else str(exc)
    elif isinstance(exc, TempoError):
        text = str(exc)
    else:  # not one of ours: the details are in the server log
        text = f"internal error ({type(exc).__name__}); the server log has the details"
    return _ABS_PATH.sub(lambda m: shown(m.group(0), bases), text)
