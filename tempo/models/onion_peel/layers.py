"""Building blocks of the onion-peel networks: gated convolution, convolutional GRU, size padding."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

# ImageNet statistics the official networks normalise with (fixed constants, not learned).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _stat(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32).view(1, 3, 1, 1)


class GatedConv2d(nn.Module):
    """``act(input_conv(x)) * sigmoid(gating_conv(x))``: two same-shaped convolutions, zero padding.

    The attribute names ``input_conv`` / ``gating_conv`` are those of the released checkpoints.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 dilation: int = 1, activation: bool = True):
        super().__init__()
        self.input_conv = nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding, dilation)
        self.gating_conv = nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding, dilation)
        self.activation = nn.LeakyReLU(0.2) if activation else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.input_conv(x)) * torch.sigmoid(self.gating_conv(x))


def init_for_training(module: nn.Module) -> nn.Module:
    """He-initialise every gated convolution in ``module`` so activations keep their scale through depth.

    PyTorch's default conv init shrinks the signal ~1.7x per layer and the sigmoid gate (~0.5) halves it
    again: through OPN's 9 encoder layers the keys and values come out ~100x smaller than the input (std
    ~0.01), attention is uniform and the decoder sees a constant, so training from scratch learns nothing
    but a colour offset. The feature conv gets He's LeakyReLU gain doubled (the gate's ~0.5); the gate conv
    half of He (gates near 0.5 with some spread). Inference never calls this (weights are loaded)."""
    for m in module.modules():
        if isinstance(m, GatedConv2d):
            slope = 0.2 if isinstance(m.activation, nn.LeakyReLU) else 1.0
            nn.init.kaiming_normal_(m.input_conv.weight, a=slope, nonlinearity="leaky_relu")
            m.input_conv.weight.data.mul_(2.0)
            nn.init.kaiming_normal_(m.gating_conv.weight, a=1.0, nonlinearity="leaky_relu")
            m.gating_conv.weight.data.mul_(0.5)
            for conv in (m.input_conv, m.gating_conv):
                nn.init.zeros_(conv.bias)
    return module


def gated(in_ch: int, out_ch: int, k: int = 3, stride: int = 1, dilation: int = 1, act: bool = True) -> GatedConv2d:
    """A 'same' gated convolution (padding = dilation * (k - 1) / 2), as every layer of OPN/TCN is."""
    return GatedConv2d(in_ch, out_ch, k, stride, dilation * (k - 1) // 2, dilation, act)


class ConvGRU(nn.Module):
    """Convolutional GRU cell; gate chunks in the order (reset, update, new) of the released TCN."""

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        self.convIH = nn.Conv2d(channels, 3 * channels, kernel_size, padding=kernel_size // 2)
        self.convHH = nn.Conv2d(channels, 3 * channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor, hidden: torch.Tensor | None) -> torch.Tensor:
        if hidden is None:
            hidden = torch.zeros_like(x)  # convHH's bias still applies to the zero state
        i_r, i_z, i_n = self.convIH(x).chunk(3, dim=1)
        h_r, h_z, h_n = self.convHH(hidden).chunk(3, dim=1)
        reset = torch.sigmoid(i_r + h_r)
        update = torch.sigmoid(i_z + h_z)
        new = torch.tanh(i_n + reset * h_n)
        return new + update * (hidden - new)


def pad_to_multiple(tensors: list[torch.Tensor], multiple: int) -> tuple[list[torch.Tensor], tuple[int, int, int, int]]:
    """Zero-pad the last two axes up to a multiple; the first side gets floor(p/2), the second the rest.

    Returns the padded tensors and (left, right, top, bottom).
    """
    h, w = tensors[0].shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    pad = (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)
    if ph == 0 and pw == 0:
        return list(tensors), pad
    return [F.pad(t, pad) for t in tensors], pad


def crop_padding(x: torch.Tensor, pad: tuple[int, int, int, int]) -> torch.Tensor:
    left, right, top, bottom = pad
    h, w = x.shape[-2:]
    return x[..., top:h - bottom, left:w - right]
