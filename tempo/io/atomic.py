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


_NEW_FILE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_NOFOLLOW", 0))


def create_new(make_name) -> tuple[int, Path]:
    """Open a new file under the first free name ``make_name()`` gives (it draws a random part each call):
    O_EXCL never opens someone else's file or a planted symlink; mode 0o666 lets the umask decide, as
    ``open`` does. Returns (fd, path)."""
    for _ in range(100):
        tmp = Path(make_name())
        try:
            return os.open(tmp, _NEW_FILE, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{tmp}: could not pick a free temporary name")


def _create_temp(path: Path) -> tuple[int, Path]:
    return create_new(lambda: path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial"))


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
