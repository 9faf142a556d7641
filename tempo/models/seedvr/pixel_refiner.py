"""A small learned head at full resolution for tempo's CPU-trained SeedVR models (issue #23): three 3x3
convolutions per frame that read the NaDiT's restored frame and the degraded one and add a correction, optionally
followed by a wider half-resolution stage (``context_channels``) that sees ~40 pixels around each one.

Why: on a space-to-depth latent each DiT token stands for a 4x4 pixel block and is unembedded by one linear map, so
per-pixel filtering (noise, blocking) is where the tiny DiT is weakest, and it is what a few local convolutions do
well for a few thousand FLOPs per pixel. Compression artefacts span 8-16 pixel blocks, more than three 3x3
convolutions see: the context stage folds 2x2 pixels into channels (lossless) and runs residual blocks there, the
receptive field of a much deeper full-resolution stack at a quarter of its cost. Every stage's last convolution
starts at zero, so adding one to a trained model changes nothing until it learns. Not part of the official models
(their VAE decoder is the head).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tempo.registry import MODELS


def _conv(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, padding=1, padding_mode="replicate")


def _zero(conv: nn.Conv2d) -> nn.Conv2d:
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return conv


class _ResBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(_conv(channels, channels), nn.GELU(), _conv(channels, channels))

    def forward(self, x):
        return x + self.body(x)


class HalfResContext(nn.Module):
    """(N, 6, H, W) [refined | degraded] frames, H and W even -> a (N, 3, H, W) correction: 2x2 pixel unshuffle,
    ``blocks`` residual blocks of ``channels``, shuffle back."""

    def __init__(self, channels: int = 48, blocks: int = 3):
        super().__init__()
        self.net = nn.Sequential(_conv(24, channels), nn.GELU(), *[_ResBlock(channels) for _ in range(blocks)],
                                 _zero(_conv(channels, 12)))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(self.net(F.pixel_unshuffle(frames, 2)), 2)


@MODELS.register_module()
class PixelRefiner(nn.Module):
    def __init__(self, channels: int = 32, layers: int = 3, context_channels: int = 0, context_blocks: int = 3):
        super().__init__()
        convs, width = [], 6  # the restored and the degraded RGB frame
        for _ in range(layers - 1):
            convs += [_conv(width, channels), nn.GELU()]
            width = channels
        convs.append(_zero(_conv(width, 3)))
        self.net = nn.Sequential(*convs)
        # None keeps the stage out of the state dict: weights saved before it existed load unchanged
        self.context = HalfResContext(context_channels, context_blocks) if context_channels else None

    def forward(self, restored: torch.Tensor, degraded: torch.Tensor) -> torch.Tensor:
        """(3, T, H, W) each, in [-1, 1] -> refined (3, T, H, W) (H, W even when the context stage is on)."""
        dtype = self.net[0].weight.dtype
        lq = degraded.transpose(0, 1).to(dtype)  # (T, 3, H, W): frames as a batch
        out = restored.transpose(0, 1)  # the sums stay in the restored clip's precision
        out = out + self.net(torch.cat([out.to(dtype), lq], 1)).to(out.dtype)
        if self.context is not None:
            out = out + self.context(torch.cat([out.to(dtype), lq], 1)).to(out.dtype)
        return out.transpose(0, 1)
