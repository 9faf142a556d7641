"""Resumable, verified downloads into the weights folder.

Written on the standard library (urllib) rather than a hub client: the sources are plain HTTP(S) file links on
several hosts (Hugging Face, GitHub raw, Dropbox), and what is needed is small: an HTTP Range request to go on
from a partial file, a sha256 check when the authors publish one, and an atomic rename.

A download goes to ``.<name>.part`` beside its destination (a stable name, so an interrupted download resumes
from where it stopped: ``atomic_open``'s random temp names cannot), and is renamed onto the destination only
once complete and verified. A checksum or size mismatch deletes the partial file: nothing is left behind.
"""
from __future__ import annotations

import hashlib
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from ..errors import TempoError

CHUNK = 1 << 20


class DownloadError(TempoError):
    """The server answered, but the file is not what the registry says (status, size, checksum)."""


class Unreachable(TempoError):
    """No answer (offline, DNS, refused, timeout): the caller prints the manual instructions."""


def partial_path(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.part")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _open(url: str, start: int, timeout: float):
    headers = {"User-Agent": "tempo-weights"}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:  # nothing after `start`: the partial file already holds everything
            return None
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, socket.timeout, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unreachable(f"{url}: cannot connect ({reason})") from exc


def download(url: str, dest, sha256: str | None = None, size: int | None = None, timeout: float = 30.0,
             on_bytes: Callable[[int], None] | None = None) -> Path:
    """Fetch ``url`` to ``dest``, going on from a partial download when one exists; verify ``size`` and
    ``sha256`` when given; rename into place. Raises DownloadError / Unreachable."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = partial_path(dest)
    start = part.stat().st_size if part.is_file() else 0
    if size is not None and start > size:  # longer than the file can be: not a prefix of it
        part.unlink()
        start = 0
    resp = _open(url, start, timeout)
    if resp is not None:
        with resp:
            resumed = start and resp.status == 206 and (resp.headers.get("Content-Range") or "").startswith(
                f"bytes {start}-")
            if not resumed:
                start = 0  # the server sent the whole file (no range support): start over
            try:
                with open(part, "ab" if resumed else "wb") as out:
                    for block in iter(lambda: resp.read(CHUNK), b""):
                        out.write(block)
                        if on_bytes:
                            on_bytes(len(block))
            except (socket.timeout, ConnectionError) as exc:  # the partial file stays for the next try
                raise Unreachable(f"{url}: connection lost after {part.stat().st_size} bytes ({exc}); "
                                  "run the same command again to resume") from exc
    got = part.stat().st_size if part.is_file() else 0
    if size is not None and got != size:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url}: got {got} bytes, expected {size}; the partial file was removed")
    if sha256 is not None:
        digest = sha256_of(part)
        if digest != sha256:
            part.unlink(missing_ok=True)
            raise DownloadError(f"{url}: sha256 {digest} does not match the published {sha256}; "
                                "the download was removed")
    os.replace(part, dest)
    return dest
