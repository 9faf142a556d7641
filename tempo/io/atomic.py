"""Write a file so that it appears complete or not at all (temp file in the same folder + rename).

The temp file is created like a plain ``open(path, "w")`` would create the output (mode 0o666 minus the
umask), not with ``mkstemp``'s 0600: the rename keeps the temp file's mode, and outputs others are meant to
read must not come out private. On any failure, KeyboardInterrupt included, the temp file is removed.
"""
from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError


def _create_temp(path: Path) -> tuple[int, Path]:
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        try:  # O_EXCL: never open someone else's file (or a planted symlink) under that name
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{path}: could not pick a free temporary name")


@contextmanager
def atomic_open(path):
    """``with atomic_open(p) as f: f.write(...)``: ``p`` appears (replacing any old file) only if the block
    finishes; otherwise nothing new is left in the folder. Creating or renaming the file fails as
    ``OutputError`` (one line naming ``p``)."""
    path = Path(path)
    with _as_output_error(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        with _as_output_error(path):
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _as_output_error(path: Path):
    try:
        yield
    except OSError as exc:
        raise OutputError(path, f"cannot write: {exc.strerror or exc}") from exc


def atomic_write(path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode()
    with atomic_open(path) as f, _as_output_error(Path(path)):  # e.g. a full disk
        f.write(data)
    return Path(path)


def atomic_copy(src, dst) -> Path:
    """Copy the bytes of ``src`` to ``dst`` atomically (the new file gets the umask's mode, like ``atomic_write``)."""
    with open(src, "rb") as fin, atomic_open(dst) as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
    return Path(dst)
