"""Content-addressed cache of stage outputs.

One entry is one file ``<root>/<stage>/<key[:2]>/<key>.npz``: numpy arrays plus a ``__meta__`` member
holding JSON (stage, version, params, JSON-able values and a checksum over every array).

Safety rules (why the code looks the way it does):
- Writes go to a unique temp file in the same folder, are fsync'ed, then ``os.replace``d into place:
  a reader sees either no entry or a complete one, and two processes writing the same key both
  produce a valid file (the last rename wins; the content is the same).
- Reads verify the zip structure and the checksum; anything wrong (a truncated file, a bit flip, a
  foreign file) is treated as a miss, deleted, and recomputed by the caller.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
META = "__meta__"
FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    env = os.environ.get("TEMPO_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tempo"


def cache_disabled() -> bool:
    return os.environ.get("TEMPO_NO_CACHE", "") not in ("", "0")


def _checksum(arrays: dict[str, np.ndarray], values) -> str:
    h = hashlib.blake2b(digest_size=20)
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes())
    h.update(json.dumps(values, sort_keys=True).encode())
    return h.hexdigest()


def split_outputs(outputs: dict) -> tuple[dict, dict]:
    """Separate numpy arrays (stored as arrays) from JSON-able values (stored in the metadata)."""
    arrays, values = {}, {}
    for name, value in outputs.items():
        if isinstance(value, np.ndarray):
            arrays[name] = value
        else:
            json.dumps(value)  # fail early on values the cache cannot store
            values[name] = value
    return arrays, values


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    writes: int = 0


class Cache:
    def __init__(self, root=None):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.stats = CacheStats()

    def path_for(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / f"{key}.npz"

    def get(self, stage: str, key: str) -> dict | None:
        """Return the stored outputs, or None on a miss or an invalid entry (which is removed)."""
        path = self.path_for(stage, key)
        if not path.exists():
            self.stats.misses += 1
            return None
        try:
            outputs = self._read(path)
        except Exception as exc:  # any failure to read means the entry cannot be trusted
            log.warning("cache entry %s is invalid (%s); recomputing", path, exc)
            self.stats.corrupt += 1
            self.stats.misses += 1
            path.unlink(missing_ok=True)
            return None
        self.stats.hits += 1
        return outputs

    @staticmethod
    def _read(path: Path) -> dict:
        with np.load(path, allow_pickle=False) as data:
            if META not in data.files:
                raise ValueError("no metadata")
            meta = json.loads(bytes(data[META]).decode())
            arrays = {name: data[name] for name in data.files if name != META}
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {meta.get('format')} != {FORMAT_VERSION}")
        values = meta.get("values", {})
        if _checksum(arrays, values) != meta.get("checksum"):
            raise ValueError("checksum mismatch")
        return {**arrays, **values}

    def put(self, stage: str, key: str, outputs: dict, info: dict | None = None) -> Path:
        """Store outputs atomically and return the entry's path."""
        arrays, values = split_outputs(outputs)
        meta = {"format": FORMAT_VERSION, "stage": stage, "key": key, "created": time.time(),
                "checksum": _checksum(arrays, values), "values": values, "info": info or {}}
        path = self.path_for(stage, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                buf = io.BytesIO()
                np.savez(buf, **arrays, **{META: np.frombuffer(json.dumps(meta).encode(), np.uint8)})
                f.write(buf.getbuffer())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stats.writes += 1
        return path

    def entries(self):
        if not self.root.exists():
            return
        yield from (p for p in self.root.glob("*/*/*.npz") if not p.name.startswith("."))

    def info(self) -> dict:
        stages: dict[str, dict] = {}
        for path in self.entries():
            s = stages.setdefault(path.parent.parent.name, {"entries": 0, "bytes": 0})
            s["entries"] += 1
            s["bytes"] += path.stat().st_size
        return {"root": str(self.root), "entries": sum(s["entries"] for s in stages.values()),
                "bytes": sum(s["bytes"] for s in stages.values()), "stages": stages}

    def clear(self, stage: str | None = None) -> int:
        """Delete all entries (or one stage's); returns the number removed."""
        target = self.root / stage if stage else self.root
        n = 0
        if target.exists():
            n = sum(1 for p in target.rglob("*.npz"))
            shutil.rmtree(target)
        return n

    def verify(self) -> dict:
        """Check every entry; remove the invalid ones."""
        ok = bad = 0
        for path in list(self.entries()):
            try:
                self._read(path)
                ok += 1
            except Exception:
                path.unlink(missing_ok=True)
                bad += 1
        return {"valid": ok, "removed": bad}

