"""A fixed, lossless latent for CPU-trainable SeedVR models (issue #23): space-to-depth instead of a learned VAE.

``encode`` folds each ``factor x factor`` block of pixels into channels (pixel unshuffle: 3 -> 3 f^2 channels,
exactly invertible, no parameters), ``decode`` unfolds them after a 1x1x1 convolution (``decoder.conv_out``: the
only learned part, zero-initialised by ``SeedVRRestorer(residual=True)`` so an untrained model is the identity).
Why: the learned causal VAE of the tiny model cost most of a 1.7-s training iteration on this CPU and cannot be
trained to reconstruct detail in CPU-minutes; a lossless fold keeps the NaDiT (MM-DiT blocks, shifted
variable-size 3-D windows, RoPE, one-step restoration) and removes both problems. Same interface as
``CausalVideoVAE`` (encode -> (mean, logvar), decode, to/from the DiT's (T, H, W, C) layout).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tempo.registry import MODELS


class _Head(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv_out = nn.Conv3d(channels, channels, 1)
        with torch.no_grad():  # starts as the exact inverse of the fold
            self.conv_out.weight.copy_(torch.eye(channels).view(channels, channels, 1, 1, 1))
            self.conv_out.bias.zero_()


@MODELS.register_module()
class SpaceToDepthLatent(nn.Module):
    def __init__(self, in_channels: int = 3, factor: int = 2, scaling_factor: float = 1.0):
        super().__init__()
        self.factor, self.in_channels = int(factor), int(in_channels)
        self.latent_channels = self.in_channels * self.factor ** 2
        self.spatial_factor, self.temporal_factor = self.factor, 1
        self.scaling_factor = float(scaling_factor)
        self.decoder = _Head(self.latent_channels)

    def encode(self, x: torch.Tensor, chunked: bool = False):
        """(B, 3, T, H, W) or (B, 3, H, W) -> (mean (B, 3 f^2, T, H/f, W/f), logvar at the clamp floor)."""
        x = x[:, :, None] if x.dim() == 4 else x
        b, c, t, h, w = x.shape
        z = F.pixel_unshuffle(x.transpose(1, 2).reshape(b * t, c, h, w), self.factor)
        z = z.reshape(b, t, -1, h // self.factor, w // self.factor).transpose(1, 2)
        return z, torch.full_like(z, -30.0)  # a point posterior: sampling adds no noise

    def decode(self, z: torch.Tensor, chunked: bool = False, image: bool = False) -> torch.Tensor:
        z = self.decoder.conv_out(z)
        b, c, t, h, w = z.shape
        x = F.pixel_shuffle(z.transpose(1, 2).reshape(b * t, c, h, w), self.factor)
        x = x.reshape(b, t, self.in_channels, h * self.factor, w * self.factor).transpose(1, 2)
        return x[:, :, 0] if image else x

    def to_dit_latent(self, z: torch.Tensor) -> torch.Tensor:
        return z.permute(1, 2, 3, 0) * self.scaling_factor  # (C, T, H, W) -> (T, H, W, C)

    def from_dit_latent(self, latent: torch.Tensor) -> torch.Tensor:
        return (latent / self.scaling_factor).permute(3, 0, 1, 2)
