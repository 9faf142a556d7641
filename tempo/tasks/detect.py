"""Temporal action detection on video files: features (cached) → TriDet → segments in seconds.

Model sources, in the order ``ActionDetector`` tries them:
- a tempo bundle ``X.safetensors`` with ``X.json`` beside it holding ``{"model", "features", "classes"}``
  (what ``tools/export_default.py`` writes; the embedded default is one), or just the model config;
- an official TriDet ``.pth.tar`` together with ``--config`` (a tempo config such as
  ``configs/tridet/thumos14_i3d.py`` or the official merged config as JSON); official models
  need the features they were trained on, so pass them with ``features=`` (``--features x.npy``).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
DEFAULT_DETECTOR = WEIGHTS_DIR / "tridet_synth.safetensors"
# What the embedded default was trained on (tempo synth videos are 15 fps): resample every video
# to 15 fps so a feature always spans the same time, whatever the source frame rate. Flow statistics
# (MotionStats) stacked with tempo's clip network trained on the synth actions (ActionClipNet, bundled
# weights): configs/tridet/synth_clipnet.py says why.
DEFAULT_FEATURES = {"backbone": {"type": "Stack", "backbones": ["MotionStats", "ActionClipNet"]}, "layout": "detect",
                    "fps": 15.0, "num_frames": 16, "stride": 4}


def read_bundle_config(weights: Path) -> dict:
    cfg_path = weights.with_name(weights.stem + ".json")
    if not cfg_path.is_file():
        raise InputError(weights, f"missing {cfg_path.name} beside the weights (model config)")
    cfg = json.loads(cfg_path.read_text())
    from ..registry import check_bundle

    return check_bundle(cfg if "model" in cfg else {"model": cfg}, cfg_path)  # data: tempo's own types only


class ActionDetector:
    def __init__(self, checkpoint=None, config=None, device: str | None = None, min_score: float = 0.05,
                 dtype: str | None = None):
        import torch

        from ..models.common.precision import resolve_dtype

        self.checkpoint = checkpoint
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.dtype = resolve_dtype(dtype, self.device)  # the network's precision; float16 on the CPU: one line
        self.min_score = min_score
        self.bundle: dict | None = None  # a tempo bundle's JSON (what it was trained on), None for official weights
        self.model, self.features, self.classes = self._load(checkpoint, config)
        self.model.to(self.device).eval()

    def _load(self, checkpoint, config):
        from ..models.tridet.checkpoint import load_official, load_tempo_checkpoint

        if checkpoint is None:
            checkpoint = DEFAULT_DETECTOR
            if not checkpoint.is_file():
                raise InputError(checkpoint, "the embedded default detector is not in this build; "
                                 "pass --checkpoint (and --config)")
        checkpoint = Path(checkpoint)
        if not checkpoint.is_file():
            raise InputError(checkpoint, "checkpoint not found")
        if checkpoint.suffix == ".safetensors":
            bundle = self.bundle = read_bundle_config(checkpoint)
            model = load_tempo_checkpoint(checkpoint, bundle["model"])
            return model, {**DEFAULT_FEATURES, **bundle.get("features", {})}, bundle.get("classes")
        if config is None:
            raise UsageError(f"{checkpoint}: an official checkpoint needs --config "
                             "(e.g. configs/tridet/thumos14_i3d.py)")
        model, features = _model_from_config(config)
        load_official(model, checkpoint)
        return model, features, None

    def detect_features(self, feats: np.ndarray, fps: float, duration: float | None = None,
                        video: str | None = None) -> list[dict]:
        from ..models.tridet.predict import detect_segments

        return detect_segments(self.model, feats, fps, self.features["stride"], self.features["num_frames"],
                               duration=duration, label_names=self.classes, min_score=self.min_score,
                               video=video, dtype=self.dtype)

    def feature_fps(self, video: Path) -> float:
        """The fps of precomputed features: the config's, else the video's."""
        from ..io import probe

        fps = self.features.get("fps") or (probe(video).fps if video.exists() else None)
        if fps is None:
            raise UsageError("with --features and no video file, the config must give the feature fps")
        return fps

    def detect(self, video, features_file=None) -> list[dict]:
        """Detections (best first) for one video file, or for precomputed features of it."""
        from ..features.stage import extract_features
        from ..io import probe

        video = Path(video)
        if features_file is not None:
            info = probe(video) if video.exists() else None
            feats = np.load(features_file)
            return self.detect_features(feats, self.feature_fps(video), info.duration if info else None, str(video))
        f = self.features
        feats, meta = extract_features(video, f["backbone"], layout="detect", fps=f.get("fps"),
                                       num_frames=f["num_frames"], stride=f["stride"])
        return self.detect_features(feats, meta["fps"], meta["duration"], str(video))


def detector_files(checkpoint=None, config=None) -> list[Path]:
    """The files a detector is made of (weights, the model JSON beside them, a config): its cache identity."""
    weights = Path(checkpoint) if checkpoint is not None else DEFAULT_DETECTOR
    files = [weights, weights.with_name(weights.stem + ".json")]
    return [f for f in files + ([Path(config)] if config is not None else []) if f.is_file()]


def detector_feature_cfg(checkpoint=None, config=None) -> dict:
    """The features a detector reads (backbone, layout, fps, num_frames, stride), without loading its weights."""
    weights = Path(checkpoint) if checkpoint is not None else DEFAULT_DETECTOR
    if not weights.is_file():
        raise InputError(weights, "checkpoint not found" if checkpoint is not None else
                         "the embedded default detector is not in this build; pass --checkpoint (and --config)")
    if weights.suffix == ".safetensors":
        return {**DEFAULT_FEATURES, **read_bundle_config(weights).get("features", {})}
    if config is None:
        raise UsageError(f"{weights}: an official checkpoint needs --config (e.g. configs/tridet/thumos14_i3d.py)")
    return _model_from_config(config)[1]


_loaded: dict = {}


def shared_detector(checkpoint=None, config=None, device=None) -> ActionDetector:
    """One ``ActionDetector`` per (checkpoint, config, device) in this process: pipeline stages build it on
    first use, so a cache hit never loads weights and a folder run loads them once."""
    from ..pipeline.fingerprint import file_fingerprint

    key = (str(checkpoint), str(config), device, tuple(file_fingerprint(f) for f in detector_files(checkpoint, config)))
    if key not in _loaded:
        _loaded[key] = ActionDetector(checkpoint, config, device=device, min_score=0.0)
    return _loaded[key]


def _model_from_config(config):
    """A tempo mmengine config (.py) or an official merged config (.json)."""
    from ..config_file import is_data_config, load_config
    from ..models.tridet.build import build_from_official_config, build_from_tempo_config

    path = Path(config)
    if not path.is_file():
        raise InputError(path, "config not found")
    if path.suffix == ".json":
        official = json.loads(path.read_text())
        ds = official.get("dataset", {})
        return build_from_official_config(official), {"backbone": None, "layout": "detect",
                                                      "fps": ds.get("default_fps"),
                                                      "num_frames": ds["num_frames"], "stride": ds["feat_stride"]}
    cfg = load_config(path)  # a .py config runs code by design; a YAML one is data
    if is_data_config(path):
        from ..registry import MODELS, check_types

        check_types(cfg.get("model"), path, MODELS)
    backbone = cfg.get("feature_backbone")  # the network that makes its features from video (configs/tridet/)
    features = {"backbone": backbone.to_dict() if hasattr(backbone, "to_dict") else backbone, "layout": "detect",
                "fps": cfg.get("feature_fps"), "num_frames": cfg.get("num_frames", 16),
                "stride": cfg.get("feat_stride", 4)}
    return build_from_tempo_config(cfg), features


def with_i3d(features: dict, i3d: dict | None) -> dict:
    """The detector's feature settings with two-stream I3D settings (``--i3d-rgb`` ...) merged in: into the
    config's own I3DTwoStream backbone, else replacing its backbone (an official JSON config names none). Without
    a config fps it reads 30 fps, the frame rate of the THUMOS14 features."""
    if not i3d:
        return features
    own = features.get("backbone")
    own = own if isinstance(own, dict) and own.get("type") == "I3DTwoStream" else {"type": "I3DTwoStream"}
    return {**features, "backbone": {**own, **i3d}, "fps": features.get("fps") or 30.0}


def model_input_dim(model) -> int | None:
    """Feature channels a TriDet network reads (its first convolution's input channels)."""
    conv = getattr(getattr(getattr(model, "backbone", None), "embd", [None])[0], "conv", None)
    return int(conv.weight.shape[1]) if conv is not None else None


def check_feature_dim(detector: "ActionDetector", features: dict, name: str) -> None:
    """A backbone whose features the network cannot read is one line before any video is decoded."""
    from ..features.stage import backbone_cfg, build_backbone

    if features.get("backbone") is None:
        return
    backbone = build_backbone(backbone_cfg(features["backbone"]))
    if hasattr(backbone, "check_files"):  # user-given feature networks: a wrong file fails here, not per video
        backbone.check_files()
    want, got = model_input_dim(detector.model), int(getattr(backbone, "feature_dim", 0) or 0)
    if want and got and want != got:
        raise InputError(name, f"the detector reads {want}-d features but {type(backbone).__name__} makes {got}-d "
                         f"ones ({backbone.describe().get('streams') or type(backbone).__name__}); give the networks "
                         "it was trained with, or precomputed features (--features X.npy)")
