"""A search bundle from a grounding training run: the weights + a JSON that says how to make the inputs again.

``tempo ground --checkpoint x.safetensors`` extracts video rows and encodes queries exactly as the bundle's
``video_features`` and ``text`` say. For a model trained with tools/train.py on feature folders, both are read
from the training data itself: each ``<vid>.json`` that ``tempo extract --layout ground`` wrote beside the
features (backbone, its weights folder, decode fps, clip length, frame step) and the ``text_features.json`` of
tools/extract_text_features.py (encoder, its folder, max tokens). A config opts in with ``search_bundle = dict()``
(``out=`` a path, default ``<work_dir>/search.safetensors``); configs/bam_detr/clip.py does. Features made
elsewhere (QVHighlights' CLIP features) carry no such files: the config then gives ``video_features`` and ``text``
itself, and ``clip_dir`` the CLIP folder (configs/bam_detr/qvhighlights_clip.py).

``resolve_feature_dims`` fills a BAM-DETR config's ``v_feat_dim="auto"`` / ``t_feat_dim="auto"`` from the same
files, so one config serves every CLIP size (ViT-B/32 512-d, ViT-L/14 768-d, ...).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..features.query_files import META_NAME, read_meta
from ..io.atomic import atomic_copy, atomic_write

TEF_DIMS = 2


def _dataset(cfg) -> dict:
    ds = cfg["train_dataloader"]["dataset"]
    while "dataset" in ds:  # dataset wrappers
        ds = ds["dataset"]
    return ds


def _video_dirs(ds) -> list[Path]:
    dirs = ds["v_feat_dirs"]
    return [Path(d) for d in ([dirs] if isinstance(dirs, (str, Path)) else dirs)]


def _first_row(ds) -> dict:
    with open(ds["ann_file"]) as f:
        for line in f:
            if line.strip():
                return json.loads(line)
    raise InputError(ds["ann_file"], "no annotations")


def _load(path: Path, key: str) -> np.ndarray:
    for ext in (".npz", ".npy"):
        p = path.with_name(path.name + ext)
        if p.is_file():
            if ext == ".npy":
                return np.load(p)
            with np.load(p) as z:
                return z[key]
    raise InputError(path, "feature file (.npz/.npy) not found")


def resolve_feature_dims(cfg) -> None:
    """In place: a BAM-DETR model config's ``"auto"`` feature sizes from the training data's first query."""
    inner = cfg.get("model", {}).get("model", {})
    if "auto" not in (inner.get("v_feat_dim"), inner.get("t_feat_dim")):
        return
    ds = _dataset(cfg)
    row = _first_row(ds)
    if inner.get("v_feat_dim") == "auto":
        blocks = [_load(d / str(row["vid"]), ds.get("v_feat_key", "features")).shape[-1] for d in _video_dirs(ds)]
        inner["v_feat_dim"] = int(sum(blocks)) + (TEF_DIMS if ds.get("use_tef", True) else 0)
    if inner.get("t_feat_dim") == "auto":
        q_type = ds.get("q_feat_type", "last_hidden_state")
        inner["t_feat_dim"] = int(_load(Path(ds["t_feat_dir"]) / f"qid{row['qid']}", q_type).shape[-1])


def video_features_from_data(folder) -> dict:
    """The extraction settings that every ``<vid>.json`` under ``folder`` shares (written by ``tempo extract``)."""
    folder = Path(folder)
    metas = [p for p in sorted(folder.rglob("*.json")) if p.name != META_NAME]
    if not metas:
        raise InputError(folder, "no feature .json files (extract the video features with tempo extract "
                         "--layout ground)")
    seen = set()
    for path in metas:
        m = json.loads(path.read_text())
        if m.get("layout") != "ground":
            raise InputError(path, f"layout {m.get('layout')!r}: a search bundle needs --layout ground features")
        backbone = m["backbone"]
        if backbone["type"] == "Stack":
            raise UsageError(f"{path}: Stack features: write the bundle's video_features by hand")
        native = abs(float(m["fps"]) - float(m["native_fps"])) < 1e-6  # decoded at the native rate (no --fps)
        seen.add((backbone["type"], backbone.get("checkpoint"), None if native else float(m["fps"]),
                  float(m["clip_len"]), int(m["frame_step"])))
    if len(seen) > 1:
        raise UsageError(f"{folder}: features made with different settings: {sorted(seen, key=str)}")
    backbone, checkpoint, fps, clip_len, frame_step = seen.pop()
    out = {"backbone": backbone, "layout": "ground", "fps": fps, "clip_len": clip_len, "frame_step": frame_step}
    return {**out, "checkpoint": checkpoint} if checkpoint else out


def search_inputs(cfg, given: dict | None = None) -> dict:
    """``video_features`` and ``text`` of the bundle: as ``given`` (the config's ``search_bundle``), else read from
    the training data the config names."""
    given = dict(given or {})
    ds = _dataset(cfg)
    video = given.get("video_features")
    if not video:
        dirs = _video_dirs(ds)
        if len(dirs) != 1:  # the dataset L2-normalises each folder's block, search normalises whole rows
            raise UsageError(f"a search bundle needs one video feature folder (the config has {len(dirs)}); "
                             "extract the features with one backbone (or Stack) into one folder")
        video = video_features_from_data(dirs[0])
    if abs(float(ds.get("clip_len", 2.0)) - float(video["clip_len"])) > 1e-6:
        raise UsageError(f"the dataset's clip_len {ds.get('clip_len')} differs from the features' {video['clip_len']}")
    text = given.get("text")
    if not text:
        meta = read_meta(ds["t_feat_dir"])
        text = {k: meta[k] for k in ("encoder", "checkpoint") if meta.get(k)}
        text.update(tokens=ds.get("q_feat_type", "last_hidden_state") == "last_hidden_state",
                    max_tokens=min(int(meta.get("max_tokens", 32)), int(ds.get("max_q_l", 32))))
    inputs = {"video_features": dict(video), "text": dict(text)}
    if given.get("clip_dir"):  # features made elsewhere (e.g. QVHighlights' CLIP features): name the folder here
        from .clip_grounding import with_clip_dir

        inputs = with_clip_dir(inputs, given["clip_dir"])
    return inputs


def write_search_bundle(weights, model_cfg: dict, inputs: dict, out, trained_on: str = "") -> Path:
    """``out`` (.safetensors, a copy of ``weights``) + ``out.json``: the model config and how to make its inputs."""
    out = Path(out)
    if out.suffix != ".safetensors":
        raise UsageError(f"{out}: a search bundle is a .safetensors path")
    bundle = {"model": model_cfg, **inputs, **({"trained_on": trained_on} if trained_on else {})}
    atomic_copy(weights, out)
    atomic_write(out.with_suffix(".json"), json.dumps(bundle, indent=2))
    return out


def export_search_bundle(cfg, weights, model_cfg: dict, work_dir) -> Path | None:
    """tools/train.py's last step for configs that set ``search_bundle``; None for the others."""
    spec = cfg.get("search_bundle")
    if spec is None:
        return None
    out = spec.get("out") or Path(work_dir) / "search.safetensors"
    return write_search_bundle(weights, model_cfg, search_inputs(cfg, spec), out,
                               trained_on=str(_dataset(cfg)["ann_file"]))


def check_video_weights(video_cfg: dict, bundle_path) -> None:
    """A bundle that records the content of its feature network's weights (``weights_id``) refuses other
    weights: rows of another TextClipNet mean something else to the head, and would only lower the quality
    silently."""
    wanted = video_cfg.get("weights_id")
    backbone = video_cfg.get("backbone")
    parts = (backbone.get("backbones") or []) if isinstance(backbone, dict) and backbone.get("type") == "Stack" else []
    if not wanted or "TextClipNet" not in [backbone, *parts]:  # a stack: its TextClipNet part (the bundled one)
        return
    from ..features.base import file_weights_id, weights_file
    from ..features.text_clipnet import BUNDLED_WEIGHTS

    path = weights_file(video_cfg.get("checkpoint"), BUNDLED_WEIGHTS, "TextClipNet")
    if file_weights_id(path) != wanted:
        raise InputError(bundle_path, f"this grounder was trained on rows of other TextClipNet weights than "
                                      f"{path} (rebuild it with tools/build_default_grounder.py, or use the "
                                      f"TextClipNet it was made with)")
