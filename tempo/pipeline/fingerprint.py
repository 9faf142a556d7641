"""Content fingerprints and stable hashes for cache keys.

A video's fingerprint depends on its bytes, not its name or location, so a renamed or copied file
hits the same cache entries. Fingerprints are memoised per (path, size, mtime) within a process.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

_CHUNK = 1 << 20
_memo: dict[tuple, str] = {}


def file_fingerprint(path) -> str:
    """BLAKE2b of the whole file's content (streamed in 1 MiB chunks)."""
    path = Path(path)
    st = os.stat(path)
    memo_key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if memo_key in _memo:
        return _memo[memo_key]
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    digest = h.hexdigest()
    _memo[memo_key] = digest
    return digest


def stable_hash(obj) -> str:
    """Hash of a JSON-able object, independent of dict ordering."""
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_default)
    return hashlib.blake2b(blob.encode(), digest_size=20).hexdigest()


def _default(obj):
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (set, tuple)):
        return list(obj)
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return repr(obj)
