"""Several backbones side by side over the same windows, features concatenated.

Unlike ``TwoStream`` (two per-frame backbones sharing each decoded frame), the parts may be of any kind
and input size (a per-frame flow stream at 224 px next to a clip network at 64 px): each part decodes
the video at its own size and cuts the same windows (same layout, fps, window length and stride), so
their feature rows line up and are concatenated.
"""
from __future__ import annotations

from ..registry import BACKBONES, check_spec
from .base import Backbone


@BACKBONES.register_module()
class Stack(Backbone):
    kind = "stack"

    @staticmethod
    def check_data_config(cfg: dict, path) -> None:
        """The parts are backbone names or configs too (see ``tempo.registry.check_types``)."""
        for part in cfg.get("backbones") or ():
            check_spec(part, path, BACKBONES)

    def __init__(self, backbones=("MotionStats", "ActionClipNet")):
        super().__init__()
        from .stage import backbone_cfg, build_backbone  # the stage module imports the registry users: late import

        if not backbones:
            raise ValueError("Stack needs at least one backbone")
        self.parts = [build_backbone(backbone_cfg(b)) for b in backbones]
        self.feature_dim = sum(p.feature_dim for p in self.parts)
        self.input_size = self.parts[0].input_size

    def weights_id(self) -> str:
        return "+".join(p.weights_id() for p in self.parts)

    def describe(self) -> dict:
        return {**super().describe(), "parts": [p.describe() for p in self.parts]}
