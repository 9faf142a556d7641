"""A small learned head at full resolution for tempo's CPU-trained SeedVR models (issue #23): three 3x3
convolutions per frame that read the NaDiT's restored frame and the degraded one and add a correction.

Why: on a space-to-depth latent each DiT token stands for a 4x4 pixel block and is unembedded by one linear map, so
per-pixel filtering (noise, blocking) is where the tiny DiT is weakest, and it is what a few local convolutions do
well for a few thousand FLOPs per pixel. The last convolution starts at zero, so adding the head to a trained
model changes nothing until the head learns. Not part of the official models (their VAE decoder is the head).
"""
from __future__ import annotations

import torch
from torch import nn

from tempo.registry import MODELS


@MODELS.register_module()
class PixelRefiner(nn.Module):
    def __init__(self, channels: int = 32, layers: int = 3):
        super().__init__()
        convs, width = [], 6  # the restored and the degraded RGB frame
        for _ in range(layers - 1):
            convs += [nn.Conv2d(width, channels, 3, padding=1, padding_mode="replicate"), nn.GELU()]
            width = channels
        convs.append(nn.Conv2d(width, 3, 3, padding=1, padding_mode="replicate"))
        self.net = nn.Sequential(*convs)
        nn.init.zeros_(convs[-1].weight)
        nn.init.zeros_(convs[-1].bias)

    def forward(self, restored: torch.Tensor, degraded: torch.Tensor) -> torch.Tensor:
        """(3, T, H, W) each, in [-1, 1] -> refined (3, T, H, W)."""
        frames = torch.cat([restored, degraded], 0).transpose(0, 1)  # (T, 6, H, W): frames as a batch
        return restored + self.net(frames.to(self.net[0].weight.dtype)).transpose(0, 1).to(restored.dtype)
