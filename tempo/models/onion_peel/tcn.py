"""Temporal consistency network (TCN): a recurrent U-Net that smooths OPN results over time.

Written from the parity fixture README (sections 2 and 5.4); layer names follow the released ``TCN.pth``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import MODELS
from .layers import IMAGENET_MEAN, IMAGENET_STD, ConvGRU, _stat, crop_padding, gated, pad_to_multiple


class TCNEncoder(nn.Module):
    """(previous output, previous hole, current frame, current hole) -> 1/8 feature and three skips."""

    def __init__(self):
        super().__init__()
        self.conv1 = gated(8, 32, k=5)
        self.conv21 = gated(32, 64, stride=2)
        self.conv2 = gated(64, 64)
        self.conv23 = gated(64, 128, stride=2)
        self.conv3a = gated(128, 128)
        self.conv3b = gated(128, 128)
        self.conv34 = gated(128, 256, stride=2)
        self.conv4a = gated(256, 256)
        self.conv4b = gated(256, 256)
        self.register_buffer("mean", _stat(IMAGENET_MEAN), persistent=False)
        self.register_buffer("std", _stat(IMAGENET_STD), persistent=False)

    def forward(self, prev, prev_hole, curr, curr_hole):
        x = torch.cat([(prev - self.mean) / self.std, prev_hole, (curr - self.mean) / self.std, curr_hole], 1)
        s1 = self.conv1(x)
        s2 = self.conv2(self.conv21(s1))
        s3 = self.conv3b(self.conv3a(self.conv23(s2)))
        x = self.conv4b(self.conv4a(self.conv34(s3)))
        return x, s3, s2, s1


class TCNDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv4b = gated(256, 256, dilation=2)
        self.conv4a = gated(256, 256)
        self.conv43 = gated(256, 128)
        self.conv3b = gated(128, 128, dilation=2)
        self.conv3a = gated(128, 128)
        self.conv32 = gated(128, 64)
        self.conv2 = gated(64, 64)
        self.conv21 = gated(64, 32)
        self.conv1 = gated(32, 3, k=5, act=False)
        self.register_buffer("mean", _stat(IMAGENET_MEAN), persistent=False)
        self.register_buffer("std", _stat(IMAGENET_STD), persistent=False)

    def forward(self, x, s3, s2, s1):
        def up(t):
            return F.interpolate(t, scale_factor=2, mode="nearest")

        x = self.conv43(up(self.conv4a(self.conv4b(x))))
        x = self.conv3a(self.conv3b(x + s3))
        x = self.conv2(self.conv32(up(x)) + s2)
        x = self.conv1(self.conv21(up(x)) + s1)
        return x * self.std + self.mean


@MODELS.register_module(name="OnionPeelTCN")
class TCN(nn.Module):
    """One recurrent step: returns (output frame clamped to [0, 1] — the WHOLE frame, hidden state)."""

    def __init__(self):
        super().__init__()
        self.Encoder = TCNEncoder()
        self.GRU = ConvGRU(256)
        self.Decoder = TCNDecoder()

    def forward(self, prev, prev_hole, curr, curr_hole, hidden=None):
        (prev, prev_hole, curr, curr_hole), pad = pad_to_multiple([prev, prev_hole, curr, curr_hole], 8)
        feat, s3, s2, s1 = self.Encoder(prev, prev_hole, curr, curr_hole)
        hidden = self.GRU(feat, hidden)
        out = crop_padding(self.Decoder(hidden, s3, s2, s1), pad)
        return torch.clamp(out, 0, 1), hidden
