"""Onion-Peel Network (Oh et al., ICCV 2019): encoder, asymmetric memory read, decoder, one peel step.

Written from the parity fixture README (sections 2 and 5); layer names follow the released ``OPN.pth``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import MODELS
from .layers import IMAGENET_MEAN, IMAGENET_STD, _stat, crop_padding, gated, pad_to_multiple

THICKNESS = 8  # peel ring thickness in pixels (official value)


class OPNEncoder(nn.Module):
    """5-channel input (normalised RGB, valid, hole) -> key and value at 1/4 resolution."""

    def __init__(self):
        super().__init__()
        self.conv12 = gated(5, 64, k=5, stride=2)
        self.conv2 = gated(64, 64)
        self.conv23 = gated(64, 128, stride=2)
        self.conv3a = gated(128, 128)
        self.conv3b = gated(128, 128, dilation=2)
        self.conv3c = gated(128, 128, dilation=4)
        self.conv3d = gated(128, 128, dilation=8)
        self.key3 = gated(128, 128, act=False)
        self.val3 = gated(128, 128, act=False)
        self.register_buffer("mean", _stat(IMAGENET_MEAN), persistent=False)
        self.register_buffer("std", _stat(IMAGENET_STD), persistent=False)

    def forward(self, frame, valid, hole):
        x = torch.cat([(frame - self.mean) / self.std, valid, hole], dim=1)
        for layer in (self.conv12, self.conv2, self.conv23, self.conv3a, self.conv3b, self.conv3c, self.conv3d):
            x = layer(x)
        return self.key3(x), self.val3(x)


class OPNDecoder(nn.Module):
    """1/4-resolution value feature -> RGB (un-normalised, not clamped)."""

    def __init__(self):
        super().__init__()
        self.conv3d = gated(128, 128, dilation=8)
        self.conv3c = gated(128, 128, dilation=4)
        self.conv3b = gated(128, 128, dilation=2)
        self.conv3a = gated(128, 128)
        self.conv32 = gated(128, 64)
        self.conv2 = gated(64, 64)
        self.conv21 = gated(64, 3, k=5, act=False)
        self.register_buffer("mean", _stat(IMAGENET_MEAN), persistent=False)
        self.register_buffer("std", _stat(IMAGENET_STD), persistent=False)

    def forward(self, x):
        x = self.conv3a(self.conv3b(self.conv3c(self.conv3d(x))))
        x = self.conv2(self.conv32(F.interpolate(x, scale_factor=2, mode="nearest")))
        x = self.conv21(F.interpolate(x, scale_factor=2, mode="nearest"))
        return x * self.std + self.mean


@dataclass
class Memory:
    """Readable memory: keys/values of the non-hole 1/4-scale positions of the chosen frames, [C, Nm]."""

    keys: torch.Tensor
    values: torch.Tensor

    @property
    def size(self) -> int:
        return self.keys.shape[1]

    @staticmethod
    def concat(parts: list["Memory"]) -> "Memory":
        if not parts:
            return Memory(torch.zeros(128, 0), torch.zeros(128, 0))
        if len(parts) == 1:
            return parts[0]
        return Memory(torch.cat([p.keys for p in parts], 1), torch.cat([p.values for p in parts], 1))


def masked_read(qkey: torch.Tensor, qval: torch.Tensor, query: torch.Tensor, memory: Memory,
                max_scores: int = 1 << 24) -> torch.Tensor:
    """Asymmetric attention: add to ``qval`` at the ``query`` positions what they read from ``memory``.

    qkey/qval [1,C,h,w], query bool [1,1,h,w]. Softmax is over memory positions independently per query,
    so queries are processed in chunks of at most ``max_scores / Nm`` columns (same result, bounded memory).
    Skipped when there is no query or no readable memory position.
    """
    q_pos = query[0, 0]
    n_q = int(q_pos.sum())
    if n_q == 0 or memory.size == 0:
        return qval
    q = qkey[0][:, q_pos]  # [C, Nq]
    scale = 1.0 / math.sqrt(qkey.shape[1])
    step = max(1, max_scores // memory.size)
    reads = []
    for start in range(0, n_q, step):
        scores = memory.keys.t() @ q[:, start:start + step] * scale  # [Nm, nq]
        reads.append(memory.values @ torch.softmax(scores, dim=0))
    read = torch.cat(reads, dim=1) if len(reads) > 1 else reads[0]
    out = qval.clone()
    out[0][:, q_pos] += read
    return out


def quarter_mask(mask: torch.Tensor, threshold: float, inclusive: bool) -> torch.Tensor:
    """1/4-scale mask by bilinear resize (align_corners=False, no antialias) then a threshold.

    For a factor of exactly 4 this averages the central 2x2 pixels of each 4x4 block.
    """
    h, w = mask.shape[-2:]
    small = F.interpolate(mask.float(), size=(h // 4, w // 4), mode="bilinear", align_corners=False)
    return small >= threshold if inclusive else small > threshold


@MODELS.register_module(name="OnionPeelOPN")
class OPN(nn.Module):
    """Onion-peel network. ``memorize`` encodes reference frames once; ``peel_step`` fills one ring."""

    def __init__(self, thickness: int = THICKNESS, max_scores: int = 1 << 24):
        super().__init__()
        self.Encoder = OPNEncoder()
        self.Decoder = OPNDecoder()
        self.thickness = thickness
        self.max_scores = max_scores
        self.register_buffer("mean", _stat(IMAGENET_MEAN), persistent=False)

    def memorize(self, frame: torch.Tensor, valid: torch.Tensor, dist: torch.Tensor):
        """Encode one reference frame [1,3,H,W] -> (key, value [1,128,Hp/4,Wp/4], hole [1,1,Hp/4,Wp/4])."""
        (frame, valid, dist), _ = pad_to_multiple([frame, valid, dist], 4)
        hole = (dist > 0).float()
        frame = frame * (1 - hole) + hole * self.mean  # the zero padding stays 0 and is not a hole
        key, val = self.Encoder(frame, valid, hole)
        return key, val, quarter_mask(hole, 0.0, inclusive=False)

    @staticmethod
    def readable(key: torch.Tensor, val: torch.Tensor, mhole: torch.Tensor) -> Memory:
        """The memory positions a query may read: the non-hole ones of one encoded frame."""
        pos = ~mhole[0, 0]
        return Memory(key[0][:, pos], val[0][:, pos])

    def peel_step(self, memory: Memory, comp: torch.Tensor, valid: torch.Tensor, dist: torch.Tensor,
                  trace: dict | None = None):
        """Fill the outer ring (dist <= thickness) of the remaining hole. Returns (composite, next dist).

        ``valid`` is the frame's ORIGINAL valid map in every step; the hole channel is the remaining hole.
        """
        dist_in = dist
        (comp, valid, dist), pad = pad_to_multiple([comp, valid, dist], 4)
        hole = (dist > 0).float()
        peel = hole * (dist <= self.thickness).float()
        next_dist = torch.clamp(dist - self.thickness, 0, 9999)
        query = quarter_mask(peel, 0.5, inclusive=True)
        frame = comp * (1 - hole) + hole * self.mean
        qkey, qval = self.Encoder(frame, valid, hole)
        read = masked_read(qkey, qval, query, memory, self.max_scores)
        pred = self.Decoder(read)
        out = frame * (1 - peel) + pred * peel
        out = torch.clamp(crop_padding(out, pad), 0, 1)
        next_dist = crop_padding(next_dist, pad)
        if trace is not None:
            trace.update(dist_in=dist_in, hole=crop_padding(hole, pad), peel=crop_padding(peel, pad), enc_in_frame=crop_padding(
                frame, pad), peel3=query, qkey=qkey, qval=qval, qval_after_read=read,
                pred=crop_padding(pred, pad), comp_out=out, dist_out=next_dist,
                n_query=int(query.sum()), n_memory=memory.size)
        return out, next_dist

    def complete(self, memory: Memory, frame: torch.Tensor, valid: torch.Tensor, dist: torch.Tensor,
                 traces: list | None = None) -> tuple[torch.Tensor, int]:
        """Peel until the hole is gone (at least one step, as the official loop). Returns (frame, steps)."""
        if torch.isinf(dist).any() or dist.max() > 1e6:
            raise ValueError("the frame is entirely hole: there is no known pixel to peel from")
        comp, steps = frame, 0
        while True:
            trace = {} if traces is not None else None
            comp, dist = self.peel_step(memory, comp, valid, dist, trace)
            steps += 1
            if traces is not None:
                traces.append(trace)
            if float(dist.sum()) == 0:
                return comp, steps
