"""Window-local 3-D rotary embeddings of the two SeedVR variants.

Pairs (x[2i], x[2i+1]) rotate together; the (t, h, w) angle vectors are concatenated and only the
first 3*2*n_freq dims of a head rotate. The frequencies live in the persistent ``rope.freqs`` buffer
(official checkpoints carry it), so they are loaded, not recomputed.
"""
from __future__ import annotations

import math

import torch
from torch import nn


class _Freqs(nn.Module):
    def __init__(self, freqs: torch.Tensor):
        super().__init__()
        self.register_buffer("freqs", freqs)


class WindowRoPE(nn.Module):
    """``kind="mmrope3d"`` (3B): integer positions, video t offset by the text length, text rotated
    with (j, j, j). ``kind="pixel"`` (7B): positions linspace(-1, 1, window extent), text unrotated."""

    def __init__(self, kind: str, head_dim: int, rope_dim: int | None = None):
        super().__init__()
        self.kind = kind
        if kind == "mmrope3d":
            axis_dim = rope_dim // 3
            n = axis_dim // 2
            freqs = 1.0 / (10000 ** (torch.arange(0, axis_dim, 2)[:n].float() / axis_dim))
        elif kind == "pixel":
            n = ((head_dim // 2) // 3) // 2
            freqs = torch.linspace(1.0, 128.0, n) * math.pi
        else:
            raise ValueError(f"unknown rope kind {kind!r}")
        self.rope = _Freqs(freqs)

    @property
    def rotated_dims(self) -> int:
        return 6 * self.rope.freqs.numel()

    def _angles(self, pos_t, pos_h, pos_w):
        """(N,) positions per axis -> (N, 6*n_freq) angles, each frequency repeated for its pair."""
        f = self.rope.freqs.float()
        parts = [torch.repeat_interleave(p.to(f.device).float()[:, None] * f[None], 2, dim=-1)
                 for p in (pos_t, pos_h, pos_w)]
        return torch.cat(parts, dim=-1)

    def video_angles(self, shape_thw, txt_len: int, device=None) -> torch.Tensor:
        t, h, w = shape_thw
        if self.kind == "mmrope3d":
            axes = [torch.arange(t) + txt_len, torch.arange(h), torch.arange(w)]
        else:
            axes = [torch.linspace(-1.0, 1.0, n) for n in (t, h, w)]
        gt, gh, gw = torch.meshgrid(*axes, indexing="ij")
        return self._angles(gt.reshape(-1), gh.reshape(-1), gw.reshape(-1)).to(device)

    def text_angles(self, txt_len: int, device=None) -> torch.Tensor | None:
        if self.kind != "mmrope3d":
            return None
        j = torch.arange(txt_len)
        return self._angles(j, j, j).to(device)

    @staticmethod
    def cos_sin(angles: torch.Tensor | None):
        """(N, r) angles -> (cos, sin) shaped (N, 1, r), computed once and shared by q and k."""
        return None if angles is None else (angles.cos()[:, None, :], angles.sin()[:, None, :])

    @staticmethod
    def rotate(x: torch.Tensor, angles) -> torch.Tensor:
        """x (..., N, heads, head_dim); angles (N, r) with r <= head_dim, or ``cos_sin(angles)``. Rotates in at
        least float32 and returns x's dtype, as the official rotary code does for bfloat16 q/k."""
        if angles is None:
            return x
        cos, sin = angles if isinstance(angles, tuple) else WindowRoPE.cos_sin(angles)
        r = cos.shape[-1]
        acc = torch.promote_types(x.dtype, torch.float32)
        cos, sin, xf = cos.to(acc), sin.to(acc), x.to(acc)
        head, rest = xf[..., :r], xf[..., r:]
        pairs = head.unflatten(-1, (-1, 2))
        rot_half = torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).flatten(-2)
        return torch.cat((head * cos + rot_half * sin, rest), dim=-1).to(x.dtype)
