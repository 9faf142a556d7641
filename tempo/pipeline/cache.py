"""Content-addressed cache of stage outputs.

One entry is one file ``<root>/<stage>/<key[:2]>/<key>.npz``: numpy arrays plus a ``__meta__`` member
holding JSON (stage, version, params, JSON-able values and a checksum over every array).

Safety rules (why the code looks the way it does):
- Writes go to a unique temp file in the same folder, are fsync'ed, then ``os.replace``d into place:
  a reader sees either no entry or a complete one, and two processes writing the same key both
  produce a valid file (the last rename wins; the content is the same).
- Reads verify the zip structure, the checksum, and that the stored stage and key are the ones asked
  for (an entry copied under another video's key is not that video's features); anything wrong is
  treated as a miss, deleted, and recomputed by the caller.
- The folder must be tempo's (``CACHEDIR.TAG``, see ``cachedir.py``) before anything is written or
  deleted in it, and only files of the cache's layout are ever deleted.
- A cache that cannot be used (read-only, a file, someone else's folder) never costs a run its
  result: ``get``/``put`` warn once and the run goes on without the cache.
- File outputs (videos) sit beside their entry as ``<key>.<name><suffix>``, written (temp + rename)
  before the entry that names them, size and checksum recorded in it: an entry is served only with
  all its files intact, and a file whose entry is gone is an orphan that ``clear``/``verify`` remove.
- Temp files carry host and pid; ones whose writer is gone are removed by the next ``put`` in that
  folder and by ``verify``.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cachedir import (CacheDirError, blob_path, claim, entry_path, has_tag, open_temp, prune, remove_stale_temps,
                       temp_is_stale, walk)
from .files import FileOutput, file_digest

log = logging.getLogger(__name__)
META = "__meta__"
FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    env = os.environ.get("TEMPO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
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


FILE = "__file__"  # a value {"__file__": <file name beside the entry>, "size", "blake2b"} is a file output


def split_outputs(outputs: dict) -> tuple[dict, dict]:
    """Separate numpy arrays (stored as arrays) from JSON-able values (stored in the metadata).
    File outputs must have been stored first (``Cache.put`` does it)."""
    arrays, values = {}, {}
    for name, value in outputs.items():
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, FileOutput):
            raise TypeError(f"file output {name!r} must be stored with Cache.put")
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


_warned: set[str] = set()  # cache roots already warned about in this process


class Cache:
    def __init__(self, root=None):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.stats = CacheStats()
        self._claimed = False  # root checked to be tempo's cache (tagged)
        self.off: str | None = None  # why this cache is off for the rest of the run

    def path_for(self, stage: str, key: str) -> Path:
        return entry_path(self.root, stage, key)

    def _claim(self, create: bool) -> bool:
        if not self._claimed:
            self._claimed = claim(self.root, create)
        return self._claimed

    def _turn_off(self, exc: BaseException) -> None:
        self.off = str(exc)
        if str(self.root) not in _warned:
            _warned.add(str(self.root))
            log.warning("cache %s unusable, running without it: %s", self.root, exc)

    def get(self, stage: str, key: str) -> dict | None:
        """Return the stored outputs, or None on a miss or an invalid entry (which is removed)."""
        path = self.path_for(stage, key)
        try:
            found = self.off is None and self._claim(create=False) and path.is_file()
        except (OSError, CacheDirError) as exc:
            self._turn_off(exc)
            found = False
        if not found:
            self.stats.misses += 1
            return None
        try:
            outputs = self._read(path, stage, key)
        except Exception as exc:  # any failure to read means the entry cannot be trusted
            log.warning("cache entry %s is invalid (%s); recomputing", path, exc)
            self.stats.corrupt += 1
            self.stats.misses += 1
            try:
                self._remove_entry(path)
            except OSError:  # a read-only cache: still a miss
                pass
            return None
        self.stats.hits += 1
        return outputs

    @staticmethod
    def _meta(data) -> dict:
        if META not in data.files:
            raise ValueError("no metadata")
        meta = json.loads(bytes(data[META]).decode())
        if not isinstance(meta, dict):
            raise ValueError("metadata is not an object")
        return meta

    @classmethod
    def _read(cls, path: Path, stage: str, key: str) -> dict:
        with np.load(path, allow_pickle=False) as data:
            meta = cls._meta(data)
            arrays = {name: data[name] for name in data.files if name != META}
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {meta.get('format')} != {FORMAT_VERSION}")
        if meta.get("stage") != stage or meta.get("key") != key:
            raise ValueError(f"stored for {meta.get('stage')}/{meta.get('key')}, not {stage}/{key}")
        values = meta.get("values", {})
        if _checksum(arrays, values) != meta.get("checksum"):
            raise ValueError("checksum mismatch")
        return {**arrays, **cls._resolve_files(path, values)}

    @staticmethod
    def _resolve_files(path: Path, values: dict) -> dict:
        """File-output values -> the cached file's path, after checking its size and checksum."""
        out = dict(values)
        for name, value in values.items():
            if isinstance(value, dict) and FILE in value:
                blob = path.with_name(value[FILE])
                if blob.parent != path.parent or not blob.name.startswith(path.stem + "."):
                    raise ValueError(f"file output {name!r} names {value[FILE]!r}, not a file of this entry")
                if file_digest(blob) != (value["size"], value["blake2b"]):
                    raise ValueError(f"file output {blob.name} does not match its checksum")
                out[name] = str(blob)
        return out

    def _remove_entry(self, path: Path) -> None:
        """Remove an entry and the file outputs beside it."""
        path.unlink(missing_ok=True)
        for blob in path.parent.glob(f"{path.stem}.*"):
            if blob != path and blob.is_file() and not blob.is_symlink():
                blob.unlink(missing_ok=True)

    @classmethod
    def _is_tempo_entry(cls, path: Path, stage: str, key: str) -> bool:
        """The file's metadata says it is this cache's entry for (stage, key); content not checked."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = cls._meta(data)
        except Exception:
            return False
        return "format" in meta and meta.get("stage") == stage and meta.get("key") == key

    def put(self, stage: str, key: str, outputs: dict, info: dict | None = None) -> Path | None:
        """Store outputs atomically and return the entry's path.

        Returns None (after one warning) when the cache cannot be written: the caller's result is
        never lost to a read-only or mis-set cache folder.
        """
        files = {k: v for k, v in outputs.items() if isinstance(v, FileOutput)}
        arrays, values = split_outputs({k: v for k, v in outputs.items() if k not in files})
        path = self.path_for(stage, key)
        if self.off is not None:
            return None
        try:
            self._claim(create=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(path.parent)
            for name, value in files.items():  # files first: an entry never names a file not yet there
                values[name] = self._store_file(stage, key, name, value.path)
            self._write(path, stage, key, arrays, values, info)
        except (OSError, CacheDirError) as exc:
            self._turn_off(exc)
            return None
        self.stats.writes += 1
        return path

    def file_path(self, stage: str, key: str, name: str, src) -> Path:
        """Where ``put`` stores the file output ``name`` (a file like ``src``) of entry (stage, key)."""
        if name == "npz":  # <key>.npz is the entry itself
            raise ValueError("a file output cannot be named 'npz'")
        return blob_path(self.root, stage, key, name, "".join(Path(src).suffixes[-1:]))

    def _store_file(self, stage: str, key: str, name: str, src: Path) -> dict:
        """Copy ``src`` beside the entry (temp file + fsync + rename); returns the value the entry records."""
        import shutil

        dst = self.file_path(stage, key, name, src)

        def copy(f):
            with open(src, "rb") as fin:
                shutil.copyfileobj(fin, f, 1 << 20)

        _replace_atomically(dst, key, copy)
        size, digest = file_digest(dst)
        return {FILE: dst.name, "size": size, "blake2b": digest}

    @staticmethod
    def _write(path: Path, stage: str, key: str, arrays: dict, values: dict, info: dict | None) -> None:
        meta = {"format": FORMAT_VERSION, "stage": stage, "key": key, "created": time.time(),
                "checksum": _checksum(arrays, values), "values": values, "info": info or {}}
        buf = io.BytesIO()
        np.savez(buf, **arrays, **{META: np.frombuffer(json.dumps(meta).encode(), np.uint8)})
        _replace_atomically(path, key, lambda f: f.write(buf.getbuffer()))

    def entries(self):
        for kind, path, _, _ in walk(self.root):
            if kind == "entry":
                yield path

    def info(self) -> dict:
        """Location, size per stage and temp files; reads only, never refuses."""
        stages: dict[str, dict] = {}
        temp = stale = 0
        for kind, path, stage, _ in walk(self.root):
            if kind in ("entry", "blob"):
                s = stages.setdefault(stage, {"entries": 0, "bytes": 0})
                s["entries"] += kind == "entry"
                s["bytes"] += path.lstat().st_size
            elif kind == "temp":
                temp += 1
                stale += temp_is_stale(path)
        return {"root": str(self.root), "tagged": has_tag(self.root),
                "entries": sum(s["entries"] for s in stages.values()),
                "bytes": sum(s["bytes"] for s in stages.values()), "stages": stages,
                "temp_files": temp, "stale_temp_files": stale}

    def clear(self, stage: str | None = None) -> int:
        """Delete all entries (or one stage's) and stale temp files; returns the number of entries removed.

        Only files of the cache's layout whose metadata names them as that entry are deleted, then
        the layout's emptied folders; anything else is left (and logged). Raises CacheDirError when
        the folder is not a tempo cache.
        """
        if stage is not None:
            self.path_for(stage, "00")  # validates the name: a stage, never a path
        if not self._claim(create=False):
            return 0
        n = kept = 0
        found = list(walk(self.root, stage))
        for kind, path, st, key in found:
            if kind == "entry" and self._is_tempo_entry(path, st, key):
                path.unlink(missing_ok=True)
                n += 1
            elif kind == "temp" and temp_is_stale(path):
                path.unlink(missing_ok=True)
            elif kind not in ("temp", "blob"):
                kept += 1
        self._remove_orphans(found)
        prune(self.root, stage)
        if kept:
            log.warning("%s: left %d file(s) that are not tempo cache entries (damaged entries: run "
                        "`tempo cache verify`)", self.root, kept)
        return n

    def verify(self) -> dict:
        """Check every entry; remove the invalid ones and stale temp files. Raises CacheDirError
        when the folder is not a tempo cache."""
        ok = bad = temps = 0
        if not self._claim(create=False):
            return {"valid": 0, "removed": 0, "temp_removed": 0}
        for kind, path, stage, key in list(walk(self.root)):
            if kind == "entry":
                try:
                    self._read(path, stage, key)
                    ok += 1
                except Exception:
                    self._remove_entry(path)
                    bad += 1
            elif kind == "temp" and temp_is_stale(path):
                path.unlink(missing_ok=True)
                temps += 1
        self._remove_orphans(list(walk(self.root)))
        return {"valid": ok, "removed": bad, "temp_removed": temps}

    @staticmethod
    def _remove_orphans(found) -> None:
        """File outputs whose entry is gone (removed, or never written: its writer died in between)."""
        for kind, path, _, key in found:
            if kind == "blob" and not path.with_name(f"{key}.npz").exists():
                path.unlink(missing_ok=True)


def _replace_atomically(dst: Path, key: str, write) -> None:
    """``write(f)`` into a temp file of the cache's naming (so a dead writer's leftovers are recognised and
    cleaned), synced, then renamed over ``dst``: a reader sees the old entry or the whole new one."""
    fd, tmp = open_temp(dst.parent, key)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
