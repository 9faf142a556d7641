"""Foreground segmentation of the synthetic scenes' objects: a small dilated FCN, full frame in, a foreground
logit per 2x2 pixels out. Trained on the renderer's exact silhouettes (``samples.segmentation_samples``), it finds
the black and white objects that a colour-contrast rule misses (recall 0.41 / 0.68 there)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

MEAN, STD = 127.5, 64.0


def frames_to_input(frames) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float, centred."""
    x = torch.as_tensor(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    return (x - MEAN) / STD


class ForegroundNet(nn.Module):
    """(N, 3, H, W) -> (N, 1, ceil(H/2), ceil(W/2)) logits; dilations 1-8 give a ~60-px context (the largest
    objects are ~90 px wide: their inside is told from flat background by the outline around it)."""

    def __init__(self, width: int = 16, dilations=(1, 2, 4, 8, 1)):
        super().__init__()
        layers = [nn.Conv2d(3, width, 3, stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
        for d in dilations:
            layers += [nn.Conv2d(width, width, 3, padding=d, dilation=d), nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(width, 1, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def half_res_mask(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> (ceil(H/2), ceil(W/2)) float: the fraction of each 2x2 block that is object."""
    h, w = mask.shape
    m = np.zeros(((h + 1) // 2 * 2, (w + 1) // 2 * 2), np.float32)
    m[:h, :w] = mask
    return m.reshape(m.shape[0] // 2, 2, m.shape[1] // 2, 2).mean((1, 3))
