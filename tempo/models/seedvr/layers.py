"""Building blocks of the SeedVR NaDiT, named so that state_dict keys equal the official ones."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def rms_norm(x: torch.Tensor, eps: float, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Statistics in float32 (as the official fused RMSNorm), result in the input dtype."""
    xf = x.float()
    y = (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)
    return y * weight if weight is not None else y


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return rms_norm(x, self.eps, self.weight)


class Streams(nn.Module):
    """Per-stream modules: ``.vid``/``.txt`` (MM layer), ``.all`` (shared) or ``.vid`` only."""

    def __init__(self, make, vid_dim: int, txt_dim: int, shared: bool, vid_only: bool = False):
        super().__init__()
        self.shared, self.vid_only = shared, vid_only
        if shared:
            self.all = make(vid_dim)
        else:
            self.vid = make(vid_dim)
            if not vid_only:
                self.txt = make(txt_dim)

    def module(self, stream: str) -> nn.Module | None:
        if self.shared:
            return self.all
        return getattr(self, stream, None)


class AdaSingleParams(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        for slot in ("attn", "mlp"):
            setattr(self, f"{slot}_shift", nn.Parameter(torch.zeros(dim)))
            setattr(self, f"{slot}_scale", nn.Parameter(torch.ones(dim)))
            setattr(self, f"{slot}_gate", nn.Parameter(torch.zeros(dim)))


def ada_view(emb_rows: torch.Tensor, dim: int) -> torch.Tensor:
    """(N, 6*dim) -> (N, dim, 2 slots [attn, mlp], 3 [shift, scale, gate]): the official interleaved layout."""
    return emb_rows.view(emb_rows.shape[0], dim, 2, 3)


def modulate_in(x, emb, ada: AdaSingleParams, slot: int):
    name = ("attn", "mlp")[slot]
    scale = emb[:, :, slot, 1] + getattr(ada, f"{name}_scale")
    return x * scale + (emb[:, :, slot, 0] + getattr(ada, f"{name}_shift"))


def gate_out(x, emb, ada: AdaSingleParams, slot: int):
    name = ("attn", "mlp")[slot]
    return x * (emb[:, :, slot, 2] + getattr(ada, f"{name}_gate"))


class SwiGLU(nn.Module):
    def __init__(self, dim: int, expand_ratio: float):
        super().__init__()
        hidden = 256 * math.ceil(int(2 * dim * expand_ratio / 3) / 256)
        self.proj_in_gate = nn.Linear(dim, hidden, bias=False)
        self.proj_out = nn.Linear(hidden, dim, bias=False)
        self.proj_in = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return self.proj_out(F.silu(self.proj_in_gate(x)) * self.proj_in(x))


class GeluMLP(nn.Module):
    def __init__(self, dim: int, expand_ratio: float):
        super().__init__()
        self.proj_in = nn.Linear(dim, int(dim * expand_ratio))
        self.proj_out = nn.Linear(int(dim * expand_ratio), dim)

    def forward(self, x):
        return self.proj_out(F.gelu(self.proj_in(x), approximate="tanh"))


def timestep_sinusoid(t: torch.Tensor, channels: int = 256) -> torch.Tensor:
    half = channels // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    arg = t.float()[:, None] * freqs[None]
    return torch.cat([arg.sin(), arg.cos()], dim=-1)


class TimeEmbedding(nn.Module):
    def __init__(self, hidden: int, out_dim: int, sinusoid_dim: int = 256):
        super().__init__()
        self.sinusoid_dim = sinusoid_dim
        self.proj_in = nn.Linear(sinusoid_dim, hidden)
        self.proj_hid = nn.Linear(hidden, hidden)
        self.proj_out = nn.Linear(hidden, out_dim)

    def forward(self, t):
        x = timestep_sinusoid(t, self.sinusoid_dim).to(self.proj_in.weight.dtype)
        return self.proj_out(F.silu(self.proj_hid(F.silu(self.proj_in(x)))))


class PatchIn(nn.Module):
    def __init__(self, in_channels: int, dim: int, patch=(1, 2, 2)):
        super().__init__()
        self.patch = tuple(patch)
        self.proj = nn.Linear(in_channels * math.prod(self.patch), dim)

    def forward(self, x):  # x (T, H, W, C) -> (T/pt, H/ph, W/pw, dim); features ordered (pt, ph, pw, c)
        pt, ph, pw = self.patch
        t, h, w, c = x.shape
        x = x.view(t // pt, pt, h // ph, ph, w // pw, pw, c).permute(0, 2, 4, 1, 3, 5, 6)
        return self.proj(x.reshape(t // pt, h // ph, w // pw, -1))


class PatchOut(nn.Module):
    def __init__(self, dim: int, out_channels: int, patch=(1, 2, 2)):
        super().__init__()
        self.patch = tuple(patch)
        self.out_channels = out_channels
        self.proj = nn.Linear(dim, out_channels * math.prod(self.patch))

    def forward(self, x):  # (T, H, W, dim) -> (T*pt, H*ph, W*pw, C)
        pt, ph, pw = self.patch
        t, h, w, _ = x.shape
        x = self.proj(x).view(t, h, w, pt, ph, pw, self.out_channels).permute(0, 3, 1, 4, 2, 5, 6)
        return x.reshape(t * pt, h * ph, w * pw, self.out_channels)
