"""The mmengine model that trains ``ActionClipNetwork``: BCE on the per-window [active | start | end] targets."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from tempo.data.synth import ACTION_NAMES
from tempo.registry import MODELS

from .network import DEFAULT_TEMPORAL_STRIDES, DEFAULT_WIDTHS, ActionClipNetwork


@MODELS.register_module()
class ActionClipNetTrainer(BaseModel):
    """Wraps the network for mmengine's Runner. Inputs: (B, 3, T, H, W) float clips in [-1, 1] (a list of
    (3, T, H, W) clips is stacked); targets: (B, 3 * num_classes) in [0, 1].

    ``mode="loss"`` -> ``{"loss_bce": ...}``; ``"predict"`` -> one dict per clip with ``probs`` (sigmoid of the
    logits) and ``targets`` (when given), for ``ActionClipWindowMAP``; ``"tensor"`` -> the logits.
    ``class_names``, ``window_frames``, ``stride`` and ``input_size`` are not used in training; they travel in the
    model config into the exported checkpoint, so the feature backbone knows what it was trained for.
    """

    def __init__(self, num_classes: int | None = None, widths=DEFAULT_WIDTHS,
                 temporal_strides=DEFAULT_TEMPORAL_STRIDES, dropout: float = 0.3, num_frames: int = 8,
                 class_names=tuple(ACTION_NAMES), window_frames: int = 16, stride: int = 4, input_size: int = 64,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.class_names = list(class_names)
        num_classes = len(self.class_names) if num_classes is None else int(num_classes)
        if num_classes != len(self.class_names):
            raise ValueError(f"num_classes {num_classes} but {len(self.class_names)} class_names")
        self.network = ActionClipNetwork(num_classes, widths, temporal_strides, dropout, num_frames)
        self.window_frames, self.stride, self.input_size = int(window_frames), int(stride), int(input_size)

    def forward(self, inputs, targets=None, mode: str = "tensor"):
        x = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        logits = self.network(x)
        if targets is not None:
            targets = torch.stack(list(targets)) if isinstance(targets, (list, tuple)) else targets
            targets = targets.to(logits)
        if mode == "loss":
            return {"loss_bce": F.binary_cross_entropy_with_logits(logits, targets)}
        if mode == "predict":
            probs = logits.sigmoid().detach().float().cpu()
            if targets is None:
                return [{"probs": p} for p in probs]
            return [{"probs": p, "targets": t} for p, t in zip(probs, targets.detach().float().cpu())]
        if mode == "tensor":
            return logits
        raise ValueError(f"unknown mode {mode!r} (loss, predict or tensor)")
