"""Stage outputs that are files (a restored or completed video, a cut clip): cached as files, not arrays.

A stage writes such a file into its scratch folder (``context["scratch"]``) and returns
``FileOutput(path)`` under an output name. The pipeline moves it into the cache beside the entry
(``<key>.<name><suffix>``, see ``cachedir.py``), atomically, and the context then holds the cached
file's path (a ``str``). With the cache off, the context holds the scratch path.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20




@dataclass(frozen=True)
class FileOutput:
    path: Path

    def __post_init__(self):
        object.__setattr__(self, "path", Path(self.path))


def file_digest(path) -> tuple[int, str]:
    """(size, BLAKE2b) of a file's content, streamed."""
    h = hashlib.blake2b(digest_size=20)
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def file_outputs(outputs: dict) -> dict[str, FileOutput]:
    return {k: v for k, v in outputs.items() if isinstance(v, FileOutput)}
