"""The cached feature-extraction stage and the plain Python API the heads and the CLI use.

The cache key is (video content, stage version, backbone config, feature config, weights hash):
backbones load their weights lazily, so a cache hit neither decodes nor builds a network.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..pipeline import Cache, Pipeline, Stage, stable_hash
from ..registry import BACKBONES, STAGES, check_spec
from .base import Backbone
from .extract import FeatureConfig, extract_video

DEFAULT_BACKBONE = "EfficientNetLite0"
_built: dict[str, Backbone] = {}
_built_lock = threading.RLock()  # re-entrant: a composite backbone (TwoStream) builds its parts


def backbone_cfg(backbone="EfficientNetLite0", config: str | None = None, checkpoint: str | None = None,
                 **kwargs) -> dict:
    """Normalise a backbone given by name or dict (plus CLI-style config/checkpoint) into a config dict."""
    cfg = {"type": backbone} if isinstance(backbone, str) else dict(backbone)
    if config:
        cfg["config"] = str(config)
    if checkpoint:
        cfg["checkpoint"] = str(checkpoint)
    cfg.update(kwargs)
    return cfg


def build_backbone(cfg: dict) -> Backbone:
    """Build (once per process per config) a backbone; its weights load on first use."""
    key = stable_hash(cfg)
    with _built_lock:
        if key not in _built:
            _built[key] = BACKBONES.build(dict(cfg))
        return _built[key]


@STAGES.register_module()
class ExtractFeatures(Stage):
    """Outputs ``features`` (T, C), ``spans`` (T, 2) seconds and ``feature_meta`` (JSON)."""

    version = "1"

    @staticmethod
    def check_data_config(cfg: dict, path) -> None:
        """The backbone is a type too (see ``tempo.registry.check_types``)."""
        if cfg.get("backbone") is not None:
            check_spec(cfg["backbone"], path, BACKBONES)

    def __init__(self, backbone: dict | str = DEFAULT_BACKBONE, **feature_cfg):
        cfg = FeatureConfig(**feature_cfg)  # validates early, before any video is touched
        super().__init__(backbone=backbone_cfg(backbone), **cfg.to_dict())
        self.feature_cfg = cfg
        self.on_frames = None  # optional progress callback(n_frames)

    @property
    def backbone(self) -> Backbone:
        return build_backbone(self.params["backbone"])

    def weights_id(self) -> str:
        return self.backbone.weights_id()

    def run(self, context: dict) -> dict:
        feats, spans, meta = extract_video(context["video"], self.backbone, self.feature_cfg, self.on_frames)
        return {"features": feats, "spans": spans, "feature_meta": meta}


_pipelines: dict[str, Pipeline] = {}


def feature_pipeline(backbone="EfficientNetLite0", cache=None, use_cache: bool | None = None,
                     config: str | None = None, checkpoint: str | None = None, backbone_kwargs: dict | None = None,
                     **feature_cfg) -> Pipeline:
    """A one-stage pipeline; reuse it over many videos (its ``computed`` counter counts real runs)."""
    stage = ExtractFeatures(backbone_cfg(backbone, config, checkpoint, **(backbone_kwargs or {})), **feature_cfg)
    if cache is not None and not isinstance(cache, Cache):
        cache = Cache(cache)
    return Pipeline([stage], cache=cache, use_cache=use_cache)


def extract_features(video_path, backbone="EfficientNetLite0", *, config: str | None = None,
                     checkpoint: str | None = None, cache=None, use_cache: bool | None = None,
                     backbone_kwargs: dict | None = None, **feature_cfg) -> tuple[np.ndarray, dict]:
    """Features of one video: ``(feats (T, C), meta)``; meta carries ``spans`` (T, 2) in seconds.

    Cached by content: the same video and settings a second time cost one file read.
    ``feature_cfg`` are ``FeatureConfig`` fields (layout, fps, num_frames, stride, clip_len, size, crop, fp16).
    """
    pipe = feature_pipeline(backbone, cache, use_cache, config, checkpoint, backbone_kwargs, **feature_cfg)
    ctx = pipe.run(Path(video_path))
    return ctx["features"], {**ctx["feature_meta"], "spans": ctx["spans"]}
