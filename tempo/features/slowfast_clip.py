"""SlowFast + CLIP image features per 2-s clip: what official BAM-DETR / Moment-DETR QVHighlights models read.

Official layout (Moment-DETR's QVHighlights features, read by BAM-DETR's dataset): per 2-s clip, the SlowFast
feature (2304 = slow 2048 + fast 256, pooled) then the CLIP ViT-B/32 image embedding (512), each L2-normalised
on its own, concatenated in that order; the 2 temporal-endpoint dims are appended by the grounder.

What was assumed where the official extraction (HERO's feature extractor) is not reproduced exactly:
- SlowFast: the mmaction2 SlowFast-R50 8x8 recognizer (the user's Kinetics-400 checkpoint); frames at 30 fps,
  each 2-s clip's 60 frames sampled evenly to the network's 32, short side 256, centre crop 224;
- CLIP: one frame per 2-s clip (the QVHighlights CLIP features are taken at 0.5 fps), CLIP's own preprocessing.
The parts decode at their own rate over the same 2-s grid, so their rows line up (``Stack``).
"""
from __future__ import annotations

from ..registry import BACKBONES
from .mmaction_adapter import config_resize_short_side, head_in_channels
from .stack import Stack

SLOWFAST_CONFIG = "recognition/slowfast/slowfast_r50_8xb8-8x8x1-256e_kinetics400-rgb.py"  # under mmaction's configs


@BACKBONES.register_module()
class SlowFastCLIP(Stack):
    """Args:
        slowfast_checkpoint: mmaction2 SlowFast ``.pth`` (required unless ``allow_random_init``).
        clip_dir: local Hugging Face CLIP folder (as ``CLIPImage``).
        slowfast_config: mmaction2 config (default: mmaction's bundled SlowFast-R50 8x8).
    """

    normalize_blocks = True  # each part's rows L2-normalised on their own (the official dataset does)

    @staticmethod
    def check_data_config(cfg: dict, path) -> None:
        from .mmaction_adapter import MMActionRecognizer

        if cfg.get("slowfast_config") is not None:
            MMActionRecognizer.check_data_config({"config": cfg["slowfast_config"]}, path)

    def __init__(self, slowfast_checkpoint: str | None = None, clip_dir: str | None = None,
                 slowfast_config: str | None = None, allow_random_init: bool = False, slowfast_fps: float = 30.0,
                 input_size: int | None = None):
        from ..errors import UsageError

        if slowfast_checkpoint is None and not allow_random_init:
            raise UsageError("SlowFast + CLIP features need --slowfast CKPT (an mmaction2 SlowFast checkpoint)")
        slowfast = {"type": "MMActionRecognizer", "config": str(slowfast_config or SLOWFAST_CONFIG),
                    "checkpoint": str(slowfast_checkpoint) if slowfast_checkpoint else None,
                    "allow_random_init": allow_random_init, "feature_dim": 2304,
                    # mmaction's config tests on 256-px three-crops; one 224 centre crop here (HERO's input size)
                    "input_size": input_size or (224 if slowfast_config is None else None)}
        clip = {"type": "CLIPImage", "checkpoint": str(clip_dir) if clip_dir else None,
                "allow_random_init": allow_random_init and clip_dir is None}
        super().__init__(backbones=(slowfast, clip))
        self.parts[0].feature_dim = head_in_channels(self.parts[0].cfg.model, default=2304)
        self.feature_dim = sum(p.feature_dim for p in self.parts)
        # per part: what it decodes (SlowFast a clip of frames at 30 fps; CLIP one frame per 2-s clip at 0.5 fps)
        crop = self.parts[0].input_size
        size = config_resize_short_side(self.parts[0].cfg) or round(crop * 256 / 224)
        self.part_settings = ({"fps": slowfast_fps, "size": size}, {"fps": 0.5, "frame_step": 1})

    def check_files(self) -> None:
        """Load both networks now: a wrong file is one line before any video is decoded."""
        for part in self.parts:
            part.model  # noqa: B018

