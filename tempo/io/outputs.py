"""Check an output path before any work is done, so a bad ``-o`` costs one line, not a whole computation.

Every command that writes files calls one of these first: ``check_output_dir`` for a folder of per-video
outputs, ``check_output_file`` for one file (with the suffixes it knows), ``check_video_output`` for a video
(the container must hold the codec). They raise ``UsageError`` (exit code 2) and create nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import UsageError


def _folder_problem(path: Path) -> str | None:
    """Why files cannot be written into folder ``path`` (created if missing), or None."""
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    base = next(p for p in (path.absolute(), *path.absolute().parents) if p.exists())
    if not base.is_dir():  # e.g. out/x where out is a regular file: mkdir would fail
        return f"cannot create {path}: {base} is a file"
    if not os.access(base, os.W_OK | os.X_OK):
        return f"no permission to write in {base}"
    return None


def check_output_dir(path, option: str = "-o") -> Path:
    """``path`` is, or can be created as, a folder this process may write into."""
    path = Path(path)
    problem = _folder_problem(path)
    if problem:
        raise UsageError(f"{option} {path}: {problem}")
    return path


def check_output_file(path, suffixes=None, option: str = "-o") -> Path:
    """``path`` names a file (not a folder) with one of ``suffixes`` (any when None) in a writable place."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        known = ", ".join(sorted(suffixes))
        raise UsageError(f"{option} {path}: unknown file type {path.suffix or '(none)'!r}; use one of {known}")
    problem = _folder_problem(path.parent)
    if problem:
        raise UsageError(f"{option} {path}: {problem}")
    return path


def check_video_output(path, codec: str = "h264", option: str = "-o") -> Path:
    """A video output: a file whose container ffmpeg can write ``codec`` into."""
    from .writer import CONTAINERS

    path, allowed = Path(path), CONTAINERS[codec]
    suffix = path.suffix.lower()
    if suffix in set().union(*CONTAINERS.values()) - allowed and not path.is_dir():
        raise UsageError(f"{option} {path}: a {suffix} file cannot hold --codec {codec}; "
                         f"use one of {', '.join(sorted(allowed))}")
    return check_output_file(path, allowed, option=option)


def default_video_output(src, tag: str, codec: str = "h264") -> Path:
    """``<src stem>_<tag>`` beside the input, in .mp4 when the codec fits it (else .mkv)."""
    from .writer import CONTAINERS

    src = Path(src)
    return src.with_name(f"{src.stem}_{tag}{'.mp4' if '.mp4' in CONTAINERS[codec] else '.mkv'}")
