"""Feature files in the layouts the official pipelines read.

* detect: ``<vid>.npy`` holding T×C (TriDet/ActionFormer read exactly this) + ``<vid>.json`` metadata
  (fps, feat_stride, num_frames, duration, spans).
* ground: ``<vid>.npz`` with key ``features`` of shape (n_clips, C) (Moment-DETR/QVHighlights layout; the
  grounding dataset appends the 2 temporal-endpoint dims itself) + ``<vid>.json``.
Every file is written to a temporary name and renamed, so a crash never leaves a half file.

Video ids (the ``<vid>`` above) follow ``tempo.io.discover.video_ids``, the rule every command that writes
per-video outputs shares: ``videos/a/run.mp4`` found in ``videos`` -> ``a/run`` -> ``out/a/run.npy``. The
datasets join ``feat_dir / (vid + ext)``, so an annotation file that names the video ``a/run`` reads it as is.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_write


def write_features(out_dir, vid: str, feats: np.ndarray, meta: dict) -> list[Path]:
    """Write one video's features under id ``vid`` (may hold ``/``: sub-folders are created);
    returns the paths written (array file first)."""
    out_dir = Path(out_dir)
    buf = io.BytesIO()
    if meta.get("layout", "detect") == "detect":  # TriDet's .npy; the grounding layouts use QVHighlights' .npz
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
