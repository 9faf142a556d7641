"""Small building blocks of TriDet: masked 1-D conv, channel LayerNorm, learnable scales.

All tensors are channels-first ``[B, C, T]`` with a boolean mask ``[B, 1, T]`` (True = valid).
"""
import torch
import torch.nn.functional as F
from torch import nn

from .gemm_conv import conv1d


def downsample_mask(mask: torch.Tensor, length: int) -> torch.Tensor:
    """Nearest-neighbour resize of a ``[B, 1, T]`` bool mask to ``length`` (as the official code does)."""
    if mask.shape[-1] == length:
        return mask
    return F.interpolate(mask.float(), size=length, mode="nearest").bool()


def masked(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``x * mask``; skipped when every position is valid (x * 1 == x exactly: one pass over x saved)."""
    return x if bool(mask.all()) else x * mask.to(x.dtype)


class MaskedConv1d(nn.Module):
    """``Conv1d`` with 'same' zero padding whose output is zeroed where the (resized) mask is False.

    The conv lives in ``self.conv`` so state-dict keys read ``....conv.weight`` like the official ones.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, bias: bool = True):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError("MaskedConv1d needs an odd kernel size")
        self.stride = stride
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=bias)
        if bias:
            nn.init.zeros_(self.conv.bias)

    # True on the heads' output layers: under autocast (tempo detect --dtype bfloat16) they still run in float32, so
    # the logits keep float32 resolution (a bfloat16 logit near the classifier prior, -4.6, moves in steps of 1/32:
    # thousands of exactly tied scores for NMS to order) for a few per cent of the heads' arithmetic
    float32_under_autocast = False

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        out_mask = downsample_mask(mask, x.shape[-1] // self.stride)
        if self.float32_under_autocast and torch.is_autocast_enabled(x.device.type):
            with torch.autocast(x.device.type, enabled=False):
                return masked(self.conv(x.float()), out_mask), out_mask
        return masked(conv1d(self.conv, x), out_mask), out_mask


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channel axis of ``[B, C, T]`` (biased variance), affine params shaped ``[1, C, 1]``."""

    def __init__(self, num_channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(1, num_channels, 1))
        self.bias = nn.Parameter(torch.zeros(1, num_channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Written out (not F.layer_norm on a transpose) to keep the official op order bit-for-bit.
        centred = x - x.mean(dim=1, keepdim=True)
        var = (centred ** 2).mean(dim=1, keepdim=True)
        weight, bias = self.weight, self.bias
        if x.dtype == torch.bfloat16 and not torch.is_grad_enabled():
            # bfloat16 inference (--dtype bfloat16): float32 affine parameters would promote the whole map to float32
            # (a pass at twice the bytes, then a cast back before the next bfloat16 GEMM)
            weight, bias = weight.to(x.dtype), bias.to(x.dtype)
        return centred / torch.sqrt(var + self.eps) * weight + bias


class Scale(nn.Module):
    """A learnable scalar multiplier (one per pyramid level in the regression head)."""

    def __init__(self, init_value: float = 1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(init_value, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class AffineDropPath(nn.Module):
    """Per-channel learnable scale followed by stochastic depth (per sample, training only).

    The scale also applies in eval mode: it is part of the function, not of the regulariser.
    """

    def __init__(self, num_channels: int, drop_prob: float = 0.0, init_scale: float = 1e-4):
        super().__init__()
        self.scale = nn.Parameter(init_scale * torch.ones(1, num_channels, 1))
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.scale * x
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = 1.0 - self.drop_prob
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        keep_mask = (keep + torch.rand(shape, dtype=x.dtype, device=x.device)).floor_()
        return x / keep * keep_mask
