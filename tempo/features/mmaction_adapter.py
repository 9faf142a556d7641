"""mmaction2 recognizers as clip backbones, and every workaround mmaction2 1.2.0 needs, in one place.

Workarounds (see DESIGN.md "Environment facts"):
- the wheel lacks ``mmaction/models/localizers/drn/`` (upstream issue #2714) although
  ``localizers/__init__`` imports it: we register a stub module first;
- with ``transformers`` installed mmaction enables its multimodal models, which want ``timm``
  (unusable beside this CPU torch): we set ``WITH_MULTIMODAL = False`` before importing models;
- only ``mmcv-lite`` is installed (recognizers need no compiled ops);
- configs that use ``mmaction::`` base paths need ``pkg_resources`` (setuptools < 81): we say so
  clearly instead of failing deep inside mmengine;
- configs name ImageNet/torchvision ``pretrained`` weights that would be downloaded at build time:
  we clear them, the user's checkpoint is loaded afterwards.

Features are the backbone's output pooled over time and space (SlowFast: both pathways pooled and
concatenated, as its head does; VideoMAE: the backbone's own mean-pooled, normalised token).
Documented shapes for the presets: I3D 2048, SlowFast 2304, X3D 432, TSN 2048, TSM 2048, VideoMAE 768.
"""
from __future__ import annotations

import importlib.util
import sys
import types
import warnings
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..pipeline.fingerprint import stable_hash
from ..registry import BACKBONES
from .base import ClipBackbone, file_weights_id, fit_clips, load_checkpoint_state

PRESETS = {  # name -> (config under mmaction's bundled configs, feature_dim)
    "I3D": ("recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py", 2048),
    "SlowFast": ("recognition/slowfast/slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb.py", 2304),
    "X3D": ("recognition/x3d/x3d_m_16x5x1_facebook-kinetics400-rgb.py", 432),
    "TSN": ("recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_kinetics400-rgb.py", 2048),
    "TSM": ("recognition/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py", 2048),
    "VideoMAE": ("recognition/videomae/vit-base-p16_videomae-k400-pre_16x4x1_kinetics-400.py", 768),
}


def import_mmaction():
    """Import mmaction2 with its models registered, applying the workarounds above once."""
    if "mmaction.models" in sys.modules:
        return sys.modules["mmaction"]
    try:
        with warnings.catch_warnings():  # mmcv-lite warns that its compiled ops are absent: none are used
            warnings.simplefilter("ignore")
            import mmcv  # noqa: F401
        import mmaction
        import mmaction.utils.dependency as dependency
    except ImportError as exc:
        raise ImportError("mmaction2 backbones need mmaction2==1.2.0 and mmcv-lite==2.1.0 "
                          f"(pip install mmaction2 mmcv-lite importlib_metadata): {exc}") from exc
    dependency.WITH_MULTIMODAL = False
    drn = "mmaction.models.localizers.drn"
    # look on disk: asking importlib would import mmaction.models, the very import that fails
    if not (Path(mmaction.__file__).parent / "models" / "localizers" / "drn").is_dir() and drn not in sys.modules:
        pkg, mod = types.ModuleType(drn), types.ModuleType(drn + ".drn")
        pkg.__path__ = []

        class DRN:  # placeholder: the localizer itself is absent from the wheel
            def __init__(self, *args, **kwargs):
                raise ImportError("mmaction2's DRN localizer is missing from its wheel")

        mod.DRN = DRN
        pkg.drn = mod
        sys.modules[drn], sys.modules[drn + ".drn"] = pkg, mod
    with warnings.catch_warnings():  # "Fail to import MultiScaleDeformableAttention": a detection op, unused
        warnings.simplefilter("ignore")
        import mmaction.models  # noqa: F401  (registers recognizers)

    return mmaction


def bundled_config_dir() -> Path:
    spec = importlib.util.find_spec("mmaction")
    if spec is None:
        raise ImportError("mmaction2 is not installed")
    return Path(spec.submodule_search_locations[0]) / ".mim" / "configs"


def resolve_config(config: str) -> Path:
    """A user config file, or a path relative to mmaction's bundled configs."""
    path = Path(config)
    if path.is_file():
        return path
    bundled = bundled_config_dir() / config
    if bundled.is_file():
        return bundled
    raise InputError(config, "mmaction2 config not found (give a file, or a path under mmaction's configs/)")


def load_config(path: Path):
    from mmengine.config import Config

    if "mmaction::" in path.read_text() and importlib.util.find_spec("pkg_resources") is None:
        raise ImportError(f"{path}: configs with 'mmaction::' bases need pkg_resources (pip install 'setuptools<81')")
    return Config.fromfile(str(path))


def _clear_pretrained(cfg):
    """Drop download-at-build-time weights anywhere in the model config (user weights come later)."""
    if isinstance(cfg, dict):
        for key in list(cfg):
            if key == "pretrained" and isinstance(cfg[key], str):
                cfg[key] = None
            elif key == "init_cfg" and isinstance(cfg[key], dict) and cfg[key].get("type") == "Pretrained":
                cfg[key] = None
            else:
                _clear_pretrained(cfg[key])
    elif isinstance(cfg, list):
        for item in cfg:
            _clear_pretrained(item)


def test_sampling(cfg) -> tuple[int, int]:
    """(frames per clip, crop size) from the config's test pipeline: what the model was evaluated on."""
    pipeline = cfg.get("test_pipeline") or cfg.get("val_pipeline") or []
    frames, crop = None, 224
    for step in pipeline:
        if step.get("type") in ("SampleFrames", "UniformSample", "DenseSampleFrames"):
            clip_len, num_clips = step.get("clip_len", 1), step.get("num_clips", 1)
            frames = clip_len if clip_len > 1 else num_clips  # 2-D recognizers see num_clips segments
        if "crop_size" in step:
            size = step["crop_size"]
            crop = size if isinstance(size, int) else size[0]
    return frames or 16, crop


@BACKBONES.register_module()
class MMActionRecognizer(ClipBackbone):
    """Any mmaction2 recognizer config as a clip backbone.

    Args:
        config: an mmaction2 config file, or a path relative to mmaction's bundled ``configs/``.
        checkpoint: the trained weights (an mmaction2 ``.pth``); required unless ``allow_random_init``.
        allow_random_init: build with random weights (tests only: features mean nothing).
        num_frames: frames per clip (default: the config's test-time ``clip_len``, or segments for 2-D).
        input_size: crop size (default: the config's test-time crop).
        seed: random init seed (random init only).
        cfg_options: overrides merged into the config, mmengine style ({"model.backbone.depth": 1}).
    """

    feature_dim = 0

    @staticmethod
    def check_data_config(cfg: dict, path) -> None:
        """From a data file (a checkpoint's JSON) only mmaction's own bundled configs: a config file is Python
        that runs on load, and ``cfg_options`` could name any callable as a ``type``."""
        if cfg.get("cfg_options"):
            raise InputError(path, "refused: cfg_options in a data file (they could name any callable)")
        config = cfg.get("config")
        local = isinstance(config, str) and (Path(config).is_absolute() or ".." in Path(config).parts
                                             or Path(config).exists())
        if config is not None and (not isinstance(config, str) or local or Path(config).suffix != ".py"):
            raise InputError(path, f"refused: mmaction2 config {config!r} (a data file may only name a config under "
                             "mmaction's bundled configs/; a config file runs code)")

    def __init__(self, config: str, checkpoint: str | None = None, allow_random_init: bool = False,
                 num_frames: int | None = None, input_size: int | None = None, seed: int = 0,
                 batch_size: int = 4, feature_dim: int | None = None, pretrained: bool | None = None,
                 cfg_options: dict | None = None):
        super().__init__()
        if pretrained is False:
            allow_random_init = True
        if checkpoint is None and not allow_random_init:
            raise UsageError(f"{type(self).__name__} needs a checkpoint (--checkpoint PATH); random weights (tests "
                             "only) with --allow-random-init (allow_random_init=True in Python)")
        import_mmaction()
        self.config_path = resolve_config(config)
        self.cfg = load_config(self.config_path)
        if cfg_options:
            self.cfg.merge_from_dict(dict(cfg_options))
        _clear_pretrained(self.cfg.model)
        clip_frames, crop = test_sampling(self.cfg)
        self.num_frames = num_frames or clip_frames
        self.input_size = input_size or crop
        pre = self.cfg.model.get("data_preprocessor") or {}
        self.mean = tuple(pre.get("mean", (123.675, 116.28, 103.53)))
        self.std = tuple(pre.get("std", (58.395, 57.12, 57.375)))
        self.is_2d = self.cfg.model.get("type") == "Recognizer2D"
        self.checkpoint = checkpoint
        self.seed = seed
        self.batch_size = batch_size
        if feature_dim:
            self.feature_dim = feature_dim

    def weights_id(self) -> str:
        model = stable_hash(self.cfg.model.to_dict())
        if self.checkpoint is None:
            return f"random:{self.seed}:{model}"
        return f"{file_weights_id(self.checkpoint)}:{model}"

    def load_model(self):
        import torch
        from mmaction.registry import MODELS
        from mmengine.registry import DefaultScope

        torch.manual_seed(self.seed)
        with DefaultScope.overwrite_default_scope("mmaction"):
            model = MODELS.build(self.cfg.model)
        if self.checkpoint is not None:
            state = load_checkpoint_state(self.checkpoint)
            wrong = shape_mismatch(model.state_dict(), state)
            if wrong:
                raise InputError(self.checkpoint, f"checkpoint does not fit {self.config_path.name}: {wrong}")
            result = model.load_state_dict(state, strict=False)
            missing = [k for k in result.missing_keys if k.startswith("backbone.")]
            if missing:
                raise InputError(self.checkpoint, f"checkpoint does not fit {self.config_path.name}: "
                                 f"{len(missing)} backbone weights missing (e.g. {missing[0]})")
        return model

    def _pool(self, out, num_clips: int):
        import torch

        if isinstance(out, (tuple, list)):  # SlowFast: one tensor per pathway
            return torch.cat([self._pool(o, num_clips) for o in out], dim=1)
        if out.dim() == 5:  # (K, C, T, H, W)
            return out.mean(dim=(2, 3, 4))
        if out.dim() == 4:  # 2-D recognizer: (K*T, C, H, W), averaged over the segments like its consensus
            return out.mean(dim=(2, 3)).view(num_clips, -1, out.shape[1]).mean(dim=1)
        return out  # (K, C): already pooled (VideoMAE)

    def forward_clips(self, clips: np.ndarray) -> np.ndarray:
        """(K, T, H, W, 3) uint8 RGB -> (K, feature_dim). T is resampled to ``num_frames`` and frames whose
        short side is not ``input_size`` are resized and centre-cropped."""
        import torch

        clips = fit_clips(clips, self.num_frames, self.input_size)
        k = len(clips)
        outs = []
        with torch.inference_mode():
            for start in range(0, k, self.batch_size):
                x = self.normalise(clips[start:start + self.batch_size])  # (B, T, 3, H, W)
                b = x.shape[0]
                if self.is_2d:
                    x = x.reshape(-1, *x.shape[2:])
                else:
                    x = x.permute(0, 2, 1, 3, 4)  # NCTHW
                outs.append(self._pool(self.model.backbone(x), b))
        return torch.cat(outs).float().numpy()


INPUT_KINDS = {3: "an RGB network", 2: "an optical-flow network"}


def input_kind(channels: int) -> str:
    """What a video network's first convolution's input channels say it is (RGB 3, optical flow 2)."""
    return INPUT_KINDS.get(int(channels), f"a {int(channels)}-channel network")


def shape_mismatch(expected: dict, state: dict) -> str | None:
    """What a checkpoint's tensors disagree on with the built model, as one phrase (None: all shapes fit). The
    first convolution's input channels say RGB (3) vs optical flow (2) directly."""
    for key, tensor in expected.items():
        got = state.get(key)
        if got is None or not hasattr(got, "shape") or tuple(got.shape) == tuple(tensor.shape):
            continue
        if key.startswith("backbone.") and tensor.dim() == 5 and got.dim() == 5 and got.shape[1] != tensor.shape[1] \
                and got.shape[0] == tensor.shape[0]:
            return (f"its first convolution reads {got.shape[1]} input channels ({input_kind(got.shape[1])}) but the "
                    f"config expects {tensor.shape[1]} ({input_kind(tensor.shape[1])})")
        return f"{key} is {list(got.shape)} in the checkpoint, {list(tensor.shape)} in the model"
    return None


def head_in_channels(model_cfg, default: int | None = None) -> int:
    """Channels of a recognizer's pooled backbone output, read from its head's config (no network built)."""
    head = model_cfg.get("cls_head") or {}
    if "in_channels" not in head:
        if default is not None:
            return int(default)
        raise ValueError("the recognizer config's cls_head names no in_channels (the backbone's output width)")
    return int(head["in_channels"])


def config_resize_short_side(cfg) -> int | None:
    """The short side a recognizer config's test pipeline resizes to before its crop (``Resize scale=(-1, N)``)."""
    for step in cfg.get("test_pipeline") or []:
        scale = step.get("scale") if step.get("type") == "Resize" else None
        if isinstance(scale, (tuple, list)) and len(scale) == 2 and scale[0] == -1:
            return int(scale[1])
    return None


def _preset(name: str):
    config, dim = PRESETS[name]

    def __init__(self, config: str = config, checkpoint: str | None = None, allow_random_init: bool = False,
                 **kwargs):
        kwargs.setdefault("feature_dim", dim)
        MMActionRecognizer.__init__(self, config, checkpoint, allow_random_init, **kwargs)

    cls = type(name, (MMActionRecognizer,), {"__init__": __init__, "feature_dim": dim,
                                              "__doc__": f"mmaction2 {name} ({dim}-d features); config: {config}"})
    cls.__module__ = __name__
    return BACKBONES.register_module(name=name, module=cls)


I3D, SlowFast, X3D, TSN, TSM, VideoMAE = (_preset(n) for n in PRESETS)
