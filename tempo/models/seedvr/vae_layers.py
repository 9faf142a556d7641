"""Layers of the SeedVR causal video VAE (official ``video_vae_v3``), with official key names.

Everything normalises per frame and pads time causally (copies of the first frame), so a video can be
processed in temporal chunks: each causal conv then carries its unconsumed input frames into the next
chunk (``streaming`` mode) and the result equals the full pass.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class CausalConv3d(nn.Conv3d):
    """Conv3d whose temporal padding p is replaced by 2p copies of the first frame (or by the frames
    carried over from the previous chunk when streaming)."""

    def __init__(self, in_ch, out_ch, kernel_size, stride=1, padding=0):
        kernel_size = (kernel_size,) * 3 if isinstance(kernel_size, int) else tuple(kernel_size)
        stride = (stride,) * 3 if isinstance(stride, int) else tuple(stride)
        padding = (padding,) * 3 if isinstance(padding, int) else tuple(padding)
        super().__init__(in_ch, out_ch, kernel_size, stride, padding=(0, padding[1], padding[2]))
        self.causal_frames = 2 * padding[0]
        self.streaming = False
        self.memory: torch.Tensor | None = None

    def forward(self, x):  # (B, C, T, H, W)
        if self.streaming and self.memory is not None:
            x = torch.cat([self.memory, x], dim=2)
        elif self.causal_frames:
            x = torch.cat([x[:, :, :1].expand(-1, -1, self.causal_frames, -1, -1), x], dim=2)
        if self.streaming:
            k, s = self.kernel_size[0], self.stride[0]
            consumed = max((x.shape[2] - k) // s + 1, 0) * s
            self.memory = x[:, :, consumed:].detach()
        return super().forward(x)


def group_norm_per_frame(norm: nn.GroupNorm, x: torch.Tensor) -> torch.Tensor:
    b, c, t, h, w = x.shape
    y = norm(x.transpose(1, 2).reshape(b * t, c, h, w))
    return y.view(b, t, c, h, w).transpose(1, 2)


class ResnetBlock3D(nn.Module):
    def __init__(self, in_ch, out_ch, groups, eps=1e-6):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch, eps=eps)
        self.conv1 = CausalConv3d(in_ch, out_ch, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, out_ch, eps=eps)
        self.conv2 = CausalConv3d(out_ch, out_ch, 3, padding=1)
        self.conv_shortcut = nn.Conv3d(in_ch, out_ch, 1) if in_ch != out_ch else None

    def forward(self, x):
        h = self.conv1(F.silu(group_norm_per_frame(self.norm1, x)))
        h = self.conv2(F.silu(group_norm_per_frame(self.norm2, h)))
        return (self.conv_shortcut(x) if self.conv_shortcut is not None else x) + h


class FrameAttention(nn.Module):
    """Single-head self-attention over the H*W positions of each frame (diffusers ``Attention`` keys)."""

    def __init__(self, ch, groups, eps=1e-6):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, ch, eps=eps)
        self.to_q, self.to_k, self.to_v = nn.Linear(ch, ch), nn.Linear(ch, ch), nn.Linear(ch, ch)
        self.to_out = nn.ModuleList([nn.Linear(ch, ch)])

    def forward(self, x):
        b, c, t, h, w = x.shape
        y = group_norm_per_frame(self.group_norm, x)
        y = y.permute(0, 2, 3, 4, 1).reshape(b * t, h * w, c)
        y = F.scaled_dot_product_attention(self.to_q(y)[:, None], self.to_k(y)[:, None], self.to_v(y)[:, None])[:, 0]
        y = self.to_out[0](y).view(b, t, h, w, c).permute(0, 4, 1, 2, 3)
        return x + y


class MidBlock3D(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.attentions = nn.ModuleList([FrameAttention(ch, groups)])
        self.resnets = nn.ModuleList([ResnetBlock3D(ch, ch, groups), ResnetBlock3D(ch, ch, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class Downsample3D(nn.Module):
    """Pad right/bottom by one, conv with spatial stride 2; temporal stride 2 (kernel 3, causal) if asked."""

    def __init__(self, ch, temporal: bool):
        super().__init__()
        kt = 3 if temporal else 1
        self.conv = CausalConv3d(ch, ch, (kt, 3, 3), stride=(2 if temporal else 1, 2, 2),
                                 padding=(1 if temporal else 0, 0, 0))

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample3D(nn.Module):
    """1x1x1 conv to C*r channels, pixel-shuffle to (time z, row x, col y), then a causal 3x3x3 conv.
    Temporal upsampling drops the duplicate of the very first frame (only in the first chunk)."""

    def __init__(self, ch, temporal: bool):
        super().__init__()
        self.temporal_ratio = 2 if temporal else 1
        self.upscale_conv = nn.Conv3d(ch, ch * 4 * self.temporal_ratio, 1)
        self.conv = CausalConv3d(ch, ch, 3, padding=1)
        self.first_chunk = True  # cleared by the streaming decoder after its first chunk

    def forward(self, x):
        b, c, t, h, w = x.shape
        z = self.temporal_ratio
        y = self.upscale_conv(x).view(b, 2, 2, z, c, t, h, w)  # channel = ((x*2 + y)*z + zi)*C + c
        y = y.permute(0, 4, 5, 3, 6, 1, 7, 2).reshape(b, c, t * z, 2 * h, 2 * w)
        if z > 1 and self.first_chunk:
            y = torch.cat([y[:, :, :1], y[:, :, 2:]], dim=2)
        return self.conv(y)


class DownEncoderBlock3D(nn.Module):
    def __init__(self, in_ch, out_ch, layers, groups, downsample: bool, temporal: bool):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock3D(in_ch if i == 0 else out_ch, out_ch, groups)
                                      for i in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample3D(out_ch, temporal)]) if downsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.downsamplers[0](x) if self.downsamplers is not None else x


class UpDecoderBlock3D(nn.Module):
    def __init__(self, in_ch, out_ch, layers, groups, upsample: bool, temporal: bool):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock3D(in_ch if i == 0 else out_ch, out_ch, groups)
                                      for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample3D(out_ch, temporal)]) if upsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x
