"""Moment search with the user's own CLIP folder: bundles that name ``CLIPImage`` / ``CLIPText``, and official
BAM-DETR weights.

A grounding bundle's JSON says how its video rows and query tokens are made (``video_features``, ``text``); with
CLIP, both name the local Hugging Face CLIP folder as ``checkpoint`` (tools/train.py writes it from the feature
files' metadata, see ``tempo.tasks.ground_bundle``). Here, before any video is decoded:

* ``official_bundle``: what an official BAM-DETR ``model.ckpt`` reads: CLIP image embeddings, one frame per 2-s
  clip (QVHighlights' CLIP features are taken at 0.5 fps), and CLIP text token features (``last_hidden_state``);
* ``with_clip_dir``: the same bundle on another CLIP folder (``--clip-dir``: an official model, or a folder that
  moved since training);
* ``check_clip_bundle``: the folder is there and its sizes fit the model, else one line saying what is missing
  (an official QVHighlights model also reads 2304-d SlowFast features, which tempo does not extract).
"""
from __future__ import annotations

import copy
from pathlib import Path

from ..errors import InputError, UsageError

CLIP_BACKBONE, CLIP_TEXT = "CLIPImage", "CLIPText"
# one CLIP image embedding per 2-s clip: decode at 0.5 fps, every decoded frame used
CLIP_VIDEO_FEATURES = {"backbone": CLIP_BACKBONE, "layout": "ground", "fps": 0.5, "clip_len": 2.0, "frame_step": 1}
SLOWFAST_DIM = 2304  # QVHighlights' SlowFast features (the other half of the official models' 2816 + 2 TEF)
TEF_DIMS = 2
CLIP_DIR_HINT = "--clip-dir DIR (a local Hugging Face CLIP folder: config.json, weights, tokenizer files)"
SLOWFAST_HINT = "--slowfast CKPT (an mmaction2 SlowFast-R50 checkpoint; --slowfast-config for another config)"
SLOWFAST_CLIP = "SlowFastCLIP"


def official_bundle(opt: dict) -> dict:
    """The bundle of an official BAM-DETR ``model.ckpt`` (its options ``opt``): CLIP features, no folder yet."""
    # the official options name the feature folders it was trained on: "slowfast_features" + "clip_features"
    slowfast = any("slowfast" in str(d).lower() for d in (opt.get("v_feat_dirs") or []))
    return {"video_features": dict(CLIP_VIDEO_FEATURES),
            "text": {"encoder": CLIP_TEXT, "tokens": True, "max_tokens": int(opt.get("max_q_l", 32))},
            "official": True, **({"slowfast": True} if slowfast else {})}


def uses_clip(bundle: dict) -> bool:
    return (bundle.get("video_features") or {}).get("backbone") == CLIP_BACKBONE or \
        (bundle.get("text") or {}).get("encoder") == CLIP_TEXT


def describe_inputs(bundle: dict) -> str:
    video = (bundle.get("video_features") or {}).get("backbone")
    return f"video {video}, text {(bundle.get('text') or {}).get('encoder')}"


def with_clip_dir(bundle: dict, clip_dir) -> dict:
    """A copy of ``bundle`` whose CLIP parts (image backbone, text encoder) read ``clip_dir``; a bundle without
    CLIP parts is returned as is (the demo's folder serves whichever offered model reads CLIP)."""
    if not uses_clip(bundle):
        return bundle
    clip_dir = str(Path(clip_dir).expanduser().resolve())
    bundle = copy.deepcopy(bundle)
    if bundle.get("video_features", {}).get("backbone") == CLIP_BACKBONE:
        bundle["video_features"]["checkpoint"] = clip_dir
    if bundle.get("text", {}).get("encoder") == CLIP_TEXT:
        bundle["text"]["checkpoint"] = clip_dir
    return bundle


def input_dims(model) -> tuple[int, int]:
    """(video, text) feature sizes a BAM-DETR (or its grounder) reads; the video size counts the 2 TEF dims."""
    bam = getattr(model, "bam", model)
    return (bam.input_vid_proj[0].LayerNorm.normalized_shape[0], bam.input_txt_proj[0].LayerNorm.normalized_shape[0])


def _folder(part: dict, what: str, official: bool) -> Path:
    folder = part.get("checkpoint")
    if not folder:
        whose = "official BAM-DETR weights read" if official else "this model reads"
        raise UsageError(f"{whose} CLIP {what} features: give {CLIP_DIR_HINT}")
    if not Path(folder).is_dir():
        raise InputError(folder, f"CLIP folder not found (the model's CLIP {what} encoder); give {CLIP_DIR_HINT}")
    return Path(folder)


def check_clip_bundle(bundle: dict, model, source="checkpoint") -> None:
    """One line (UsageError / InputError) unless every CLIP part has a folder whose sizes fit ``model``."""
    from ..features.clip import load_clip_config

    if not uses_clip(bundle):
        return
    official = bool(bundle.get("official"))
    v_dim, t_dim = input_dims(model)
    video, text = bundle.get("video_features") or {}, bundle.get("text") or {}
    if video.get("backbone") == CLIP_BACKBONE:
        folder = _folder(video, "image", official)
        got = load_clip_config(folder).projection_dim
        if bundle.get("slowfast") or v_dim - TEF_DIMS == SLOWFAST_DIM + got or v_dim == SLOWFAST_DIM + got:
            raise UsageError(f"{source}: this model reads SlowFast + CLIP ({got}) video features (QVHighlights): "
                             f"SlowFast features are missing: give {SLOWFAST_HINT}")
        if got not in (v_dim, v_dim - TEF_DIMS):
            raise UsageError(f"{source}: the model reads {v_dim - TEF_DIMS}-d video features, the CLIP in {folder} "
                             f"gives {got}-d image embeddings (another CLIP model?)")
    if text.get("encoder") == CLIP_TEXT:
        folder = _folder(text, "text", official)
        cfg = load_clip_config(folder)
        got = cfg.text_config.hidden_size if text.get("tokens", True) else cfg.projection_dim
        if got != t_dim:
            raise UsageError(f"{source}: the model reads {t_dim}-d query features, the CLIP text tower in {folder} "
                             f"gives {got}-d (another CLIP model?)")


def prepare_clip_bundle(bundle: dict, model, clip_dir=None, source="checkpoint", slowfast: dict | None = None) -> dict:
    """The bundle ``MomentSearch`` uses: ``--clip-dir`` applied when given, then checked (see above); with
    ``slowfast`` ({"checkpoint", "config"}: ``--slowfast``) a CLIP bundle reads SlowFast + CLIP rows instead."""
    if clip_dir is not None:
        bundle = with_clip_dir(bundle, clip_dir)
    if slowfast:
        return with_slowfast(bundle, model, slowfast, source)
    check_clip_bundle(bundle, model, source)
    return bundle


def with_slowfast(bundle: dict, model, slowfast: dict, source) -> dict:
    """The official QVHighlights video rows: per 2-s clip SlowFast then CLIP image (``SlowFastCLIP``), each block
    L2-normalised on its own by the head (``feature_blocks``); one line unless their widths fit the model."""
    from ..features.stage import backbone_cfg, build_backbone

    video = bundle.get("video_features") or {}
    if video.get("backbone") != CLIP_BACKBONE:
        raise UsageError(f"--slowfast: this model reads no CLIP video features ({describe_inputs(bundle)})")
    check_clip_bundle({**bundle, "video_features": {}}, model, source)  # the text part
    clip_dir = _folder(video, "image", bool(bundle.get("official")))
    spec = {"type": SLOWFAST_CLIP, "slowfast_checkpoint": slowfast.get("checkpoint"), "clip_dir": str(clip_dir)}
    if slowfast.get("config"):
        spec["slowfast_config"] = str(slowfast["config"])
    backbone = build_backbone(backbone_cfg(spec))
    backbone.check_files()  # a wrong file: one line before any video is decoded
    widths = [p.feature_dim for p in backbone.parts]
    v_dim = input_dims(model)[0]
    if sum(widths) not in (v_dim, v_dim - TEF_DIMS):
        raise UsageError(f"{source}: the model reads {v_dim - TEF_DIMS}-d video features, SlowFast ({widths[0]}) + "
                         f"CLIP ({widths[1]}) give {sum(widths)}-d")
    getattr(model, "bam", model).feature_blocks = tuple(widths)
    bundle = copy.deepcopy(bundle)
    bundle["video_features"] = {"backbone": spec, "layout": "ground", "fps": None, "clip_len": 2.0}
    return bundle
