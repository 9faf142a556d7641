"""Feature files in the layouts the official pipelines read.

* detect: ``<vid>.npy`` holding T×C (TriDet/ActionFormer read exactly this) + ``<vid>.json`` metadata
  (fps, feat_stride, num_frames, duration, spans).
* ground: ``<vid>.npz`` with key ``features`` of shape (n_clips, C) (Moment-DETR/QVHighlights layout; the
  grounding dataset appends the 2 temporal-endpoint dims itself) + ``<vid>.json``.
Every file is written to a temporary name and renamed, so a crash never leaves a half file.

Video ids (the ``<vid>`` above), so that one output folder never holds two videos under one name:

* a video given as a file: its file name without the extension (``clips/run.mp4`` -> ``run``);
* a video found in a folder given as input: its path relative to that folder, without the extension,
  with ``/`` separators (``videos/a/run.mp4`` from ``videos`` -> ``a/run``), written into the same
  sub-folders of the output folder (``out/a/run.npy``). The datasets join ``feat_dir / (vid + ext)``, so
  an annotation file that names the video ``a/run`` reads it as is; a flat folder gives flat ids.
* two different inputs that still share an id (``x.mp4`` beside ``x.mkv``, or two files called
  ``run.mp4`` given one by one) are refused before anything runs, instead of one overwriting the other.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..io.atomic import atomic_write
from ..io.discover import expand_inputs


def video_ids(inputs) -> list[tuple[Path | InputError, str]]:
    """Expand files/folders (like ``expand_inputs``) and pair each video with its output id (see above).

    Raises ``UsageError`` when two different videos would be written under the same id."""
    pairs: list[tuple[Path | InputError, str]] = []
    owner: dict[str, Path] = {}
    for raw in inputs:
        root = Path(raw)
        for item in expand_inputs([raw]):
            if isinstance(item, InputError):
                pairs.append((item, str(raw)))
                continue
            rel = item.relative_to(root) if root.is_dir() else Path(item.name)
            vid = rel.with_suffix("").as_posix()
            first = owner.setdefault(vid, item)
            if first.resolve() == item.resolve():
                if first is item:  # the same video listed twice is extracted once
                    pairs.append((item, vid))
                continue
            raise UsageError(f"{first} and {item} would both be written as {vid!r}: extract them into "
                             "different output folders, or pass the folder that holds both")
    return pairs


def write_features(out_dir, vid: str, feats: np.ndarray, meta: dict) -> list[Path]:
    """Write one video's features under id ``vid`` (may hold ``/``: sub-folders are created);
    returns the paths written (array file first)."""
    out_dir = Path(out_dir)
    buf = io.BytesIO()
    if meta.get("layout", "detect") == "detect":
        array_path = out_dir / f"{vid}.npy"
        np.save(buf, feats)
    else:
        array_path = out_dir / f"{vid}.npz"
        np.savez(buf, features=feats)
    atomic_write(array_path, buf.getvalue())
    info = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in meta.items()}
    meta_path = out_dir / f"{vid}.json"
    atomic_write(meta_path, json.dumps(info, indent=1).encode())
    return [array_path, meta_path]


def read_features(path) -> np.ndarray:
    """Load a feature file of either layout."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path) as data:
            return data["features"]
    return np.load(path)
