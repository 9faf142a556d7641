"""``ActionClipNet``: tempo's own learned clip backbone (``tempo.models.action_clipnet``), a small (2+1)D CNN
trained on the synthetic detection benchmark to tell which action runs, starts or ends in a window. Its clip
embedding (mean + max pooled last feature map) replaces or complements hand-made motion statistics.

Each detection window (16 frames) is seen as ``num_frames`` = 8 frames (every other one) at ``input_size`` =
64 px, the way it was trained (both values come from the checkpoint's JSON sidecar). Weights: ``checkpoint=``
a tempo export (``x.safetensors`` + ``x.json``, e.g. a ``tools/train.py`` run's ``final.safetensors``), by
default the bundled ``tempo/weights/action_clipnet_synth.safetensors``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..registry import BACKBONES
from .base import TempoClipBackbone, fit_clips

BUNDLED_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "action_clipnet_synth.safetensors"


@BACKBONES.register_module()
class ActionClipNet(TempoClipBackbone):
    """(K, T, H, W, 3) uint8 RGB clips -> (K, feature_dim) float32 embeddings (feature_dim = 2 x last width)."""

    num_frames = 8
    input_size = 64
    feature_dim = 384

    def __init__(self, checkpoint: str | None = None, batch_size: int = 32):
        # the models package imports tempo.features: a late import keeps the two free of an import cycle
        from ..models.action_clipnet.export import read_config

        super().__init__(checkpoint, BUNDLED_WEIGHTS, "ActionClipNet", read_config)
        self.num_frames = int(self.config["num_frames"])
        self.input_size = int(self.config["input_size"])
        self.feature_dim = 2 * int(self.config["widths"][-1])
        self.batch_size = batch_size

    def load_model(self):
        from ..models.action_clipnet.export import load_action_clipnet

        return load_action_clipnet(self.checkpoint).network

    def forward_clips(self, clips: np.ndarray) -> np.ndarray:
        """T is resampled to ``num_frames`` and frames that are not ``input_size`` square are resized (short
        side) and centre-cropped, as at training time."""
        import torch

        from ..models.action_clipnet.network import clips_to_input

        clips = fit_clips(clips, self.num_frames, self.input_size)
        k = len(clips)
        if k == 0:
            return np.zeros((0, self.feature_dim), np.float32)
        outs = []
        with torch.inference_mode():
            for start in range(0, k, self.batch_size):
                outs.append(self.model.embed(clips_to_input(clips[start:start + self.batch_size])))
        return torch.cat(outs).float().numpy()
