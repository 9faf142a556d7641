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
from .preprocess import is_all_hole

THICKNESS = 8  # peel ring thickness in pixels (official value)
# How far (full-resolution pixels) the ring's prediction "sees" into the encoder input: about 70 px of
# encoder receptive field (5x5/s2, 3x3, 3x3/s2, then 3x3 with dilations 1, 2, 4, 8 and the key/value conv at
# 1/4 scale) plus about 66 px of decoder. Measured with the parity weights: a margin of 140 reproduces the
# full-frame result bit for bit, 136 does not; 160 leaves slack for other ring/grid alignments.
WINDOW_MARGIN = 160


def telea_fill(frame: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """``frame`` [1,3,H,W] in [0,1] with its ``hole`` [1,1,H,W] filled by OpenCV's Telea inpainting (8-bit:
    cv2.inpaint takes no float images). No gradient flows through it: it is a fixed starting point."""
    import cv2
    import numpy as np

    img = (frame[0].detach().permute(1, 2, 0).float().cpu().numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
    mask = (hole[0, 0].detach().cpu().numpy() > 0).astype(np.uint8)
    filled = cv2.inpaint(img, mask, 3, cv2.INPAINT_TELEA) if mask.any() else img
    return torch.from_numpy(filled).to(frame.device, frame.dtype).permute(2, 0, 1)[None] / 255


def channels_for(width: float) -> tuple[int, int]:
    """(1/2-scale, 1/4-scale) channel counts of OPN for a width multiplier; 1.0 = the official (64, 128)."""
    if width <= 0:
        raise ValueError(f"OPN width must be > 0, got {width}")
    return max(1, round(64 * width)), max(1, round(128 * width))


class OPNEncoder(nn.Module):
    """5-channel input (normalised RGB, valid, hole) -> key and value at 1/4 resolution."""

    def __init__(self, width: float = 1.0):
        super().__init__()
        c2, c4 = channels_for(width)
        self.conv12 = gated(5, c2, k=5, stride=2)
        self.conv2 = gated(c2, c2)
        self.conv23 = gated(c2, c4, stride=2)
        self.conv3a = gated(c4, c4)
        self.conv3b = gated(c4, c4, dilation=2)
        self.conv3c = gated(c4, c4, dilation=4)
        self.conv3d = gated(c4, c4, dilation=8)
        self.key3 = gated(c4, c4, act=False)
        self.val3 = gated(c4, c4, act=False)
        self.register_buffer("mean", _stat(IMAGENET_MEAN), persistent=False)
        self.register_buffer("std", _stat(IMAGENET_STD), persistent=False)

    def forward(self, frame, valid, hole):
        x = torch.cat([(frame - self.mean) / self.std, valid, hole], dim=1)
        for layer in (self.conv12, self.conv2, self.conv23, self.conv3a, self.conv3b, self.conv3c, self.conv3d):
            x = layer(x)
        return self.key3(x), self.val3(x)


class OPNDecoder(nn.Module):
    """1/4-resolution value feature -> RGB (un-normalised, not clamped)."""

    def __init__(self, width: float = 1.0):
        super().__init__()
        c2, c4 = channels_for(width)
        self.conv3d = gated(c4, c4, dilation=8)
        self.conv3c = gated(c4, c4, dilation=4)
        self.conv3b = gated(c4, c4, dilation=2)
        self.conv3a = gated(c4, c4)
        self.conv32 = gated(c4, c2)
        self.conv2 = gated(c2, c2)
        self.conv21 = gated(c2, 3, k=5, act=False)
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
    def concat(parts: list["Memory"], channels: int = 128) -> "Memory":
        """``channels`` only shapes the empty memory (no part): OPN.channels."""
        if not parts:
            return Memory(torch.zeros(channels, 0), torch.zeros(channels, 0))
        if len(parts) == 1:
            return parts[0]
        return Memory(torch.cat([p.keys for p in parts], 1), torch.cat([p.values for p in parts], 1))


def masked_read(qkey: torch.Tensor, qval: torch.Tensor, query: torch.Tensor, memory: Memory,
                max_scores: int = 1 << 24, legacy_uint8_count: bool = False) -> torch.Tensor:
    """Asymmetric attention: add to ``qval`` at the ``query`` positions what they read from ``memory``.

    qkey/qval [1,C,h,w], query bool [1,1,h,w]. Softmax is over memory positions independently per query,
    so queries are processed in chunks of at most ``max_scores / Nm`` columns (same result, bounded memory).
    Skipped when there is no query or no readable memory position. Under PyTorch 0.4 the official
    "is there any" test summed uint8 masks, which wrap at 256, so a count that is a positive multiple of 256
    also skipped the read; ``legacy_uint8_count=True`` reproduces that, the default counts exactly.
    """
    q_pos = query[0, 0]
    n_q = int(q_pos.sum())
    counts = (n_q % 256, memory.size % 256) if legacy_uint8_count else (n_q, memory.size)
    if 0 in counts:
        return qval
    q = qkey[0][:, q_pos]  # [C, Nq]
    scale = math.sqrt(qkey.shape[1])
    step = max(1, max_scores // memory.size)
    reads = []
    for start in range(0, n_q, step):
        scores = memory.keys.t() @ q[:, start:start + step] / scale  # [Nm, nq]
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


def ring_window(peel: torch.Tensor, margin: int):
    """Slices of the ring's bounding box grown by ``margin``, aligned to the 1/4 grid; None if that is the
    whole frame (or the ring is empty). ``peel`` [1,1,H,W] with H, W multiples of 4."""
    rows = torch.nonzero(peel[0, 0].any(dim=1)).flatten()
    cols = torch.nonzero(peel[0, 0].any(dim=0)).flatten()
    if len(rows) == 0:
        return None
    h, w = peel.shape[-2:]
    y0, x0 = max(0, (int(rows[0]) - margin) // 4 * 4), max(0, (int(cols[0]) - margin) // 4 * 4)
    y1 = min(h, -(-(int(rows[-1]) + 1 + margin) // 4) * 4)
    x1 = min(w, -(-(int(cols[-1]) + 1 + margin) // 4) * 4)
    if (y0, x0, y1, x1) == (0, 0, h, w):
        return None
    return (slice(None), slice(None), slice(y0, y1), slice(x0, x1))


@MODELS.register_module(name="OnionPeelOPN")
class OPN(nn.Module):
    """Onion-peel network. ``memorize`` encodes reference frames once; ``peel_step`` fills one ring."""

    def __init__(self, thickness: int = THICKNESS, max_scores: int = 1 << 24, local_window: bool = False,
                 legacy_uint8_count: bool = False, width: float = 1.0, prefill: str | None = None,
                 hole_dilation: bool = True):
        super().__init__()
        # hole_dilation: the completer grows input masks by a 3x3 cross first (the official demo's
        # preprocessing); a model trained on exact masks (the tempo default) is run without it.
        self.hole_dilation = hole_dilation
        # prefill="telea" (a tempo variant, not the paper's): holes enter the encoder pre-filled by Telea
        # inpainting instead of the ImageNet mean, and the decoder predicts a correction added to that fill.
        # A small model trained briefly on a CPU then starts from a classical fill instead of grey.
        if prefill not in (None, "telea"):
            raise ValueError(f"prefill must be None or 'telea', got {prefill!r}")
        self.prefill = prefill
        # width: channel multiplier (1.0 = the released architecture; smaller trains faster on a CPU).
        self.width = width
        self.channels = channels_for(width)[1]  # key/value channels of the memory
        self.legacy_uint8_count = legacy_uint8_count  # see masked_read
        # local_window: run encoder/decoder only on the ring's bounding box plus WINDOW_MARGIN; the ring's
        # prediction is then the full-frame one up to float rounding, much faster for small holes in big frames.
        self.local_window = local_window
        self.Encoder = OPNEncoder(width)
        self.Decoder = OPNDecoder(width)
        self.thickness = thickness
        self.max_scores = max_scores
        self.register_buffer("mean", _stat(IMAGENET_MEAN), persistent=False)

    def fill_for(self, frame: torch.Tensor, dist: torch.Tensor) -> torch.Tensor | None:
        """The hole pre-fill of ``prefill`` mode (None in the official mode: the ImageNet mean)."""
        return telea_fill(frame, dist > 0) if self.prefill else None

    def _base(self, fill: torch.Tensor | None) -> torch.Tensor:
        return self.mean if fill is None else fill

    def memorize(self, frame: torch.Tensor, valid: torch.Tensor, dist: torch.Tensor):
        """Encode one reference frame [1,3,H,W] -> (key, value [1,128,Hp/4,Wp/4], hole [1,1,Hp/4,Wp/4])."""
        fill = self.fill_for(frame, dist)
        (frame, valid, dist), _ = pad_to_multiple([frame, valid, dist], 4)
        fill = pad_to_multiple([fill], 4)[0][0] if fill is not None else None
        hole = (dist > 0).float()
        frame = frame * (1 - hole) + hole * self._base(fill)  # the zero padding stays 0 and is not a hole
        key, val = self.Encoder(frame, valid, hole)
        return key, val, quarter_mask(hole, 0.0, inclusive=False)

    @staticmethod
    def readable(key: torch.Tensor, val: torch.Tensor, mhole: torch.Tensor) -> Memory:
        """The memory positions a query may read: the non-hole ones of one encoded frame."""
        pos = ~mhole[0, 0]
        return Memory(key[0][:, pos], val[0][:, pos])

    def peel_step(self, memory: Memory, comp: torch.Tensor, valid: torch.Tensor, dist: torch.Tensor,
                  trace: dict | None = None, local_window: bool | None = None, fill: torch.Tensor | None = None):
        """Fill the outer ring (dist <= thickness) of the remaining hole. Returns (composite, next dist).

        ``valid`` is the frame's ORIGINAL valid map in every step; the hole channel is the remaining hole.
        ``fill``: the prefill-mode base of the hole (``fill_for``), None = the ImageNet mean (official).
        """
        dist_in = dist
        (comp, valid, dist), pad = pad_to_multiple([comp, valid, dist], 4)
        fill = pad_to_multiple([fill], 4)[0][0] if fill is not None else None
        hole = (dist > 0).float()
        peel = hole * (dist <= self.thickness).float()
        next_dist = torch.clamp(dist - self.thickness, 0, 9999)
        base = self._base(fill)
        frame = comp * (1 - hole) + hole * base
        local_window = self.local_window if local_window is None else local_window
        window = ring_window(peel, WINDOW_MARGIN) if local_window and trace is None else None
        if window is not None:
            out = frame.clone()
            crops = [t[window].contiguous() for t in (frame, valid, hole, peel)]
            out[window] = self._fill(memory, *crops, base=None if fill is None else fill[window])[0]
        else:
            out, (query, qkey, qval, read, pred) = self._fill(memory, frame, valid, hole, peel, base=fill)
        out = torch.clamp(crop_padding(out, pad), 0, 1)
        next_dist = crop_padding(next_dist, pad)
        if trace is not None:
            trace.update(dist_in=dist_in, hole=crop_padding(hole, pad), peel=crop_padding(peel, pad),
                         enc_in_frame=crop_padding(frame, pad), peel3=query, qkey=qkey, qval=qval,
                         qval_after_read=read, pred=crop_padding(pred, pad), comp_out=out, dist_out=next_dist,
                         n_query=int(query.sum()), n_memory=memory.size)
        return out, next_dist

    def _fill(self, memory: Memory, frame, valid, hole, peel, base=None):
        """Encode, read into the ring's 1/4-scale positions, decode, composite the ring. With a prefill
        ``base`` the decoder's output (minus the mean it adds back) is a correction of that base."""
        query = quarter_mask(peel, 0.5, inclusive=True)
        qkey, qval = self.Encoder(frame, valid, hole)
        read = masked_read(qkey, qval, query, memory, self.max_scores, self.legacy_uint8_count)
        pred = self.Decoder(read)
        if base is not None:
            pred = pred - self.mean + base
        return frame * (1 - peel) + pred * peel, (query, qkey, qval, read, pred)

    def complete(self, memory: Memory, frame: torch.Tensor, valid: torch.Tensor, dist: torch.Tensor,
                 traces: list | None = None, local_window: bool | None = None) -> tuple[torch.Tensor, int]:
        """Peel until the hole is gone (at least one step, as the official loop). Returns (frame, steps)."""
        if is_all_hole(dist):  # the official loop would give up after 999 steps on a meaningless frame
            raise ValueError("the frame is entirely hole: there is no known pixel to peel from")
        comp, steps = frame, 0
        fill = self.fill_for(frame, dist)
        while True:
            trace = {} if traces is not None else None
            comp, dist = self.peel_step(memory, comp, valid, dist, trace, local_window, fill)
            steps += 1
            if traces is not None:
                traces.append(trace)
            if float(dist.sum()) == 0:
                return comp, steps
