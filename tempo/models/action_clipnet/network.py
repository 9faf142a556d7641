"""A small (2+1)D clip CNN: each block is a spatial 1x3x3 convolution then a temporal 3x1x1 one (factorised
as in R(2+1)D), each with BatchNorm + ReLU. Every block halves the frame size; the later blocks also halve
time. The clip embedding is the mean- and max-pooled last feature map side by side: the mean says what moves
overall, the max keeps a small object's evidence that averaging over the frame would wash out.

The head predicts, per class, three things about the detection window the clip samples: how much of it the
action covers ("active"), whether the action starts in its middle half ("start") and whether it ends there
("end"); see ``targets.py``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tempo.models.common.conv2plus1d import conv2plus1d_body

DEFAULT_WIDTHS = (24, 48, 96, 192)
DEFAULT_TEMPORAL_STRIDES = (1, 1, 2, 2)


class ActionClipNetwork(nn.Module):
    """(B, 3, T, H, W) float clips scaled to [-1, 1] -> (B, 3 * num_classes) logits
    ([active | start | end], each ``num_classes`` wide). Fully convolutional: any T, H, W work;
    ``num_frames`` records the clip length it was trained on (the feature backbone samples that many)."""

    def __init__(self, num_classes: int = 13, widths=DEFAULT_WIDTHS, temporal_strides=DEFAULT_TEMPORAL_STRIDES,
                 dropout: float = 0.3, num_frames: int = 8):
        super().__init__()
        widths, temporal_strides = tuple(int(w) for w in widths), tuple(int(s) for s in temporal_strides)
        if len(widths) != len(temporal_strides) or not widths:
            raise ValueError(f"widths {widths} and temporal_strides {temporal_strides} need one entry per block")
        self.num_classes, self.widths, self.temporal_strides = int(num_classes), widths, temporal_strides
        self.dropout, self.num_frames = float(dropout), int(num_frames)
        self.body = conv2plus1d_body(widths, temporal_strides)
        self.embed_dim = 2 * widths[-1]
        self.head = nn.Sequential(nn.Dropout(self.dropout), nn.Linear(self.embed_dim, 3 * self.num_classes))

    def hyper_parameters(self) -> dict:
        """What rebuilds this network (the export sidecar stores it)."""
        return {"num_classes": self.num_classes, "widths": list(self.widths),
                "temporal_strides": list(self.temporal_strides), "dropout": self.dropout,
                "num_frames": self.num_frames}

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, T, H, W) -> (B, 2 * widths[-1]): [mean pool | max pool] of the last feature map."""
        h = self.body(x)
        return torch.cat([h.mean(dim=(2, 3, 4)), h.amax(dim=(2, 3, 4))], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def clips_to_input(clips) -> torch.Tensor:
    """uint8 RGB clips (B, T, H, W, 3) (numpy or tensor) -> float (B, 3, T, H, W) in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(clips)) if isinstance(clips, np.ndarray) else clips
    return x.permute(0, 4, 1, 2, 3).float().div(127.5).sub(1.0)
