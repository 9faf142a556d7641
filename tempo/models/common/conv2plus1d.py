"""The (2+1)D convolution block of tempo's small clip networks (ActionClipNet, TextClipNet): a spatial 1x3x3
convolution then a temporal 3x1x1 one (factorised as in R(2+1)D), each with BatchNorm + ReLU."""
from __future__ import annotations

from torch import nn


def conv2plus1d_block(c_in: int, c_out: int, temporal_stride: int, spatial_stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(c_in, c_out, (1, 3, 3), (1, spatial_stride, spatial_stride), (0, 1, 1), bias=False),
        nn.BatchNorm3d(c_out), nn.ReLU(inplace=True),
        nn.Conv3d(c_out, c_out, (3, 1, 1), (temporal_stride, 1, 1), (1, 0, 0), bias=False),
        nn.BatchNorm3d(c_out), nn.ReLU(inplace=True))


def conv2plus1d_body(widths, temporal_strides) -> nn.Sequential:
    """One block per width; every block halves the frame size, ``temporal_strides`` say which halve time."""
    channels = (3,) + tuple(widths)
    return nn.Sequential(*[conv2plus1d_block(channels[i], channels[i + 1], temporal_strides[i], 2)
                           for i in range(len(widths))])
