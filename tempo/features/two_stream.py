"""Two streams side by side: an appearance backbone and a motion stream, features concatenated.

The default detection/grounding features are ``TwoStream`` = EfficientNet-Lite0 (1280-d, what is in
the frame) + ``MotionStats`` (77-d, how it moves), the per-frame analogue of the RGB + flow I3D
features the official TriDet/ActionFormer THUMOS14 models read.
"""
from __future__ import annotations

import numpy as np

from ..registry import BACKBONES, check_spec
from .base import FrameBackbone


@BACKBONES.register_module()
class TwoStream(FrameBackbone):
    uses_previous_frame = True

    @staticmethod
    def check_data_config(cfg: dict, path) -> None:
        """The streams are backbone names or configs too (see ``tempo.registry.check_types``)."""
        for key in ("appearance", "motion"):
            if key in cfg:
                check_spec(cfg[key], path, BACKBONES)

    def __init__(self, appearance="EfficientNetLite0", motion="MotionStats"):
        super().__init__()
        from .stage import backbone_cfg, build_backbone  # the stage module imports the registry users: late import

        self.appearance = build_backbone(backbone_cfg(appearance))
        self.motion = build_backbone(backbone_cfg(motion))
        if self.appearance.kind != "frame" or self.motion.kind != "frame":
            raise ValueError("TwoStream combines two per-frame backbones")
        self.feature_dim = self.appearance.feature_dim + self.motion.feature_dim
        self.input_size = self.appearance.input_size

    def weights_id(self) -> str:
        return f"{self.appearance.weights_id()}+{self.motion.weights_id()}"

    def describe(self) -> dict:
        return {**super().describe(), "streams": [self.appearance.describe(), self.motion.describe()]}

    def forward_frames(self, frames: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        def run(backbone):
            if getattr(backbone, "uses_previous_frame", False):
                return backbone.forward_frames(frames, previous=previous)
            return backbone.forward_frames(frames)

        return np.concatenate([run(self.appearance), run(self.motion)], axis=1)
