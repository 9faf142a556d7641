"""The on-disk layout of tempo's stage cache, and the marker that says a folder is one.

    <root>/CACHEDIR.TAG                                  the standard cache-directory tag
    <root>/<stage>/<key[:2]>/<key>.npz                   one entry
    <root>/<stage>/<key[:2]>/<key>.<name><suffix>         a file output of that entry (a video: files.py)
    <root>/<stage>/<key[:2]>/.<key>.<host>-<pid>.<random>.tmp   an entry or file being written

Cache commands delete files, and a mis-set ``--cache-dir`` / ``TEMPO_CACHE_DIR`` (``.``, ``$HOME``, a
project folder) must never cost user data. So tempo acts only on a folder carrying its tag (written
when tempo creates the folder or finds it empty) and, inside it, only on files of the layout above.
A folder from a tempo version before tags is adopted when every file in it fits the layout.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import time
from pathlib import Path

from ..errors import InputError
from ..io.atomic import create_new

log = logging.getLogger(__name__)

TAG_NAME = "CACHEDIR.TAG"
TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"  # https://bford.info/cachedir/
_TAG_OWNER = "created by tempo"
TAG_TEXT = (f"{TAG_SIGNATURE}\n# This file is a cache directory tag {_TAG_OWNER} (its stage cache).\n"
            "# For information about cache directory tags see https://bford.info/cachedir/\n")

_STAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")  # starts with a letter or _: never '.', '..' or a path
_KEY = re.compile(r"[A-Za-z0-9_-]{2,128}")
# earlier tempo versions named temp files without the "<host>-<pid>." part
_TEMP = re.compile(r"\.(?P<key>[A-Za-z0-9_-]{2,128})\."
                   r"(?:(?P<host>[A-Za-z0-9-]*)-(?P<pid>\d+)\.)?[A-Za-z0-9_]+\.tmp")
# a file output: <key>.<output name><suffix>, e.g. <key>.video.mp4 (names and suffixes as files.py allows)
_BLOB = re.compile(r"(?P<key>[A-Za-z0-9_-]{2,128})\.(?P<name>[a-z][a-z0-9_]{0,31})"
                   r"(?P<suffix>(\.[A-Za-z0-9]{1,8}){0,2})")
_TAG_TEMP = re.compile(r"\.CACHEDIR\.TAG\.[A-Za-z0-9_-]+\.tmp")
HOST = re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname())[:64]
_STARTED = time.time()  # about when this process started
_OLD_TEMP_AGE = 3600.0  # s; a temp file we cannot tie to a live process is stale past this age


class CacheDirError(InputError):
    """The cache folder is not a tempo cache (or not a folder): tempo will not write or delete in it."""


def valid_stage(name) -> bool:
    return isinstance(name, str) and _STAGE.fullmatch(name) is not None


def valid_key(key) -> bool:
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def entry_path(root: Path, stage: str, key: str) -> Path:
    if not valid_stage(stage):
        raise ValueError(f"invalid cache stage name {stage!r}")
    if not valid_key(key):
        raise ValueError(f"invalid cache key {key!r}")
    return root / stage / key[:2] / f"{key}.npz"


def blob_path(root: Path, stage: str, key: str, name: str, suffix: str) -> Path:
    """Where the file output ``name`` of entry (stage, key) lives."""
    path = entry_path(root, stage, key).with_name(f"{key}.{name}{suffix}")
    if not _BLOB.fullmatch(path.name):
        raise ValueError(f"invalid file output name {name!r}{suffix!r}")
    return path


def open_temp(folder: Path, key: str) -> tuple[int, Path]:
    """Create a new temp file for ``key`` in ``folder``; its name carries host and pid for cleanup.

    Plain ``os.open(..., 0o666)`` so the umask decides the mode, as for any file the user makes
    (``mkstemp`` would force 0600, and the rename keeps that).
    """
    return create_new(lambda: folder / f".{key}.{HOST}-{os.getpid()}.{secrets.token_hex(6)}.tmp")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def is_temp(name: str) -> bool:
    return _TEMP.fullmatch(name) is not None


def temp_is_stale(path: Path, now: float | None = None) -> bool:
    """A temp file whose writer is gone: its pid (on this host) is dead, or it is old and foreign.

    Temp files of live writers are kept: two processes may fill the same cache at once.
    """
    m = _TEMP.fullmatch(path.name)
    if m is None:
        return False
    if m["pid"] is not None and m["host"] == HOST:
        pid = int(m["pid"])
        return pid != os.getpid() and not _pid_alive(pid)
    # another machine's writer (shared folder) or an older tempo: judge by age; a writer keeps
    # touching its file, so one untouched since before we started and for an hour is abandoned
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return False
    now = time.time() if now is None else now
    return mtime < min(_STARTED, now - _OLD_TEMP_AGE)


def remove_stale_temps(folder: Path) -> int:
    """Delete stale temp files in one entry folder; returns how many. Errors are ignored (best effort)."""
    n = 0
    try:
        names = [e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False) and is_temp(e.name)]
    except OSError:
        return 0
    for name in names:
        path = folder / name
        if temp_is_stale(path):
            try:
                path.unlink()
                n += 1
            except OSError:
                pass
    return n


def walk(root: Path, stage: str | None = None):
    """Yield ``(kind, path, stage, key)`` for every file in the layout's entry folders.

    kind: "entry" (``<key>.npz`` under the right ``<key[:2]>`` folder), "blob" (a file output of an
    entry, ``<key>.<name><suffix>``), "temp" (our temp file name) or "other" (anything else found there, never ours
    to touch). Symlinks are not followed.
    """
    for sdir in _dirs(root):
        if not valid_stage(sdir.name) or (stage is not None and sdir.name != stage):
            continue
        for kdir in _dirs(Path(sdir.path)):
            for f in _scan(Path(kdir.path)):
                kind, key = _kind(f, kdir.name)
                yield kind or "other", Path(f.path), sdir.name, key


def _scan(folder: Path):
    try:
        with os.scandir(folder) as it:
            return list(it)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _dirs(folder: Path):
    return [e for e in _scan(folder) if e.is_dir(follow_symlinks=False)]


def prune(root: Path, stage: str | None = None) -> None:
    """Remove the layout's folders that are now empty (``rmdir`` only ever removes empty ones)."""
    for sdir in _dirs(root):
        if not valid_stage(sdir.name) or (stage is not None and sdir.name != stage):
            continue
        for kdir in _dirs(Path(sdir.path)):
            _rmdir(Path(kdir.path))
        _rmdir(Path(sdir.path))


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def has_tag(root: Path) -> bool:
    """True when ``root`` carries a cache tag that tempo wrote."""
    try:
        with open(root / TAG_NAME, "rb") as f:
            head = f.read(512).decode("utf-8", "replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return False
    return head.startswith(TAG_SIGNATURE) and _TAG_OWNER in head


def write_tag(root: Path) -> None:
    """Write the tag atomically (a concurrent reader sees no tag or the whole tag)."""
    fd, tmp = create_new(lambda: root / f".{TAG_NAME}.{secrets.token_hex(6)}.tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(TAG_TEXT)
        os.replace(tmp, root / TAG_NAME)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _layout_only(root: Path) -> int | None:
    """Entries found when every file under ``root`` fits the layout; None at the first that does not."""
    n = 0
    for top in _scan(root):
        if top.is_dir(follow_symlinks=False) and valid_stage(top.name):
            for kdir in _scan(Path(top.path)):
                if not (kdir.is_dir(follow_symlinks=False) and len(kdir.name) == 2):
                    return None
                for f in _scan(Path(kdir.path)):
                    kind, _ = _kind(f, kdir.name)
                    if kind is None:
                        return None
                    n += kind == "entry"
        elif not (top.is_file(follow_symlinks=False) and _TAG_TEMP.fullmatch(top.name)):
            return None  # a concurrent tempo writing the tag leaves its temp file; anything else is foreign
    return n


def _kind(f, prefix: str) -> tuple[str | None, str | None]:
    """("entry" | "temp", key) for a file of the layout in the ``<prefix>`` folder, else (None, None)."""
    if not f.is_file(follow_symlinks=False):
        return None, None
    if f.name.endswith(".npz") and valid_key(f.name[:-4]) and f.name[:2] == prefix:
        return "entry", f.name[:-4]
    m = _TEMP.fullmatch(f.name)
    if m and m["key"][:2] == prefix:
        return "temp", m["key"]
    m = _BLOB.fullmatch(f.name)
    return ("blob", m["key"]) if m and m["key"][:2] == prefix else (None, None)


def claim(root: Path, create: bool) -> bool:
    """Check that ``root`` is tempo's cache folder, tagging it when tempo may: when it creates the
    folder, finds it empty (``create``), or finds a pre-tag tempo cache (every file fits the layout).

    Returns False when there is no cache there yet (absent or empty) and ``create`` is False.
    Raises CacheDirError for a file, another program's tagged cache, or a non-empty folder that is
    not a tempo cache; OSError when the folder cannot be made.
    """
    if has_tag(root):
        return True
    if not root.exists():
        if not create:
            return False
        root.mkdir(parents=True, exist_ok=True)
        write_tag(root)
        return True
    where = os.path.abspath(root)  # "." in a message says nothing
    if not root.is_dir():
        raise CacheDirError(where, "the cache folder is not a folder")
    if os.path.lexists(root / TAG_NAME):
        raise CacheDirError(where, f"has a {TAG_NAME} that tempo did not write (another program's cache); "
                                  "choose another --cache-dir / TEMPO_CACHE_DIR")
    n = _layout_only(root)
    if n is None:
        raise CacheDirError(where, f"not a tempo cache (no {TAG_NAME}) and not empty; tempo will not write "
                                  "or delete files in it. Choose a new or empty folder for --cache-dir / "
                                  "TEMPO_CACHE_DIR")
    if n == 0 and not create:
        return False
    if n:
        log.warning("%s: adopting a cache made by an earlier tempo (every file in it is a cache entry); "
                    "marking it with %s", root, TAG_NAME)
    try:
        write_tag(root)
    except OSError:
        if n == 0:
            raise
        log.warning("%s: cannot write %s (read-only?); using the cache as found", root, TAG_NAME)
    return True
