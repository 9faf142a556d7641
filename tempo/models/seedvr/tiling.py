"""Bounded-memory processing of long / large videos: temporal chunks with overlap and linear
cross-fades, spatial tiles with feathered blending. Both wrap any ``fn(clip) -> clip`` that keeps the
clip's shape, so they are tested with simple functions and reused by the restorer.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, List

import torch

ClipFn = Callable[[torch.Tensor], torch.Tensor]  # (T, H, W, C) -> (T, H, W, C)


def tile_starts(n: int, tile: int, overlap: int) -> List[int]:
    if n <= tile:
        return [0]
    stride = tile - overlap
    if stride <= 0:
        raise ValueError("tile must be larger than its overlap")
    starts = list(range(0, n - tile, stride))
    return starts + [n - tile]


def _ramp(size: int, overlap: int, at_start: bool, at_end: bool) -> torch.Tensor:
    """1 inside, rising over ``overlap`` samples at edges that meet another tile (not at the frame border)."""
    w = torch.ones(size)
    if overlap > 0:
        ramp = torch.arange(1, overlap + 1, dtype=torch.float32) / (overlap + 1)
        k = min(overlap, size)
        if not at_start:
            w[:k] = torch.minimum(w[:k], ramp[:k])
        if not at_end:
            w[size - k:] = torch.minimum(w[size - k:], ramp[:k].flip(0))
    return w


def run_tiled(fn: ClipFn, clip: torch.Tensor, tile: int | None, overlap: int) -> torch.Tensor:
    """Apply ``fn`` on overlapping spatial tiles of ``clip`` (T, H, W, C) and blend them."""
    _, h, w, _ = clip.shape
    if tile is None or (h <= tile and w <= tile):
        return fn(clip)
    hs, ws = tile_starts(h, tile, overlap), tile_starts(w, tile, overlap)
    out = weight = None
    for y in hs:
        for x in ws:
            th, tw = min(tile, h), min(tile, w)
            piece = fn(clip[:, y:y + th, x:x + tw])
            if out is None:
                out = torch.zeros(clip.shape[:3] + piece.shape[3:], dtype=piece.dtype)
                weight = torch.zeros(h, w)
            wy = _ramp(th, overlap, y == 0, y + th >= h)
            wx = _ramp(tw, overlap, x == 0, x + tw >= w)
            wmap = wy[:, None] * wx[None, :]
            out[:, y:y + th, x:x + tw] += piece * wmap[None, :, :, None].to(piece.dtype)
            weight[y:y + th, x:x + tw] += wmap
    return out / weight[None, :, :, None].to(out.dtype)


def run_chunked(fn: ClipFn, frames: Iterable[torch.Tensor], chunk: int, overlap: int) -> Iterator[torch.Tensor]:
    """Stream ``frames`` (each H, W, C) through ``fn`` in chunks of ``chunk`` frames that overlap by
    ``overlap``; overlapping outputs cross-fade linearly. At most ``chunk`` input frames are held."""
    if not 0 <= overlap < chunk:
        raise ValueError("need 0 <= overlap < chunk")
    it = iter(frames)
    buffer: List[torch.Tensor] = []
    tail = None  # outputs of the previous chunk for the first ``overlap`` frames of this one
    exhausted = False
    while not exhausted:
        while len(buffer) < chunk:
            try:
                buffer.append(next(it))
            except StopIteration:
                exhausted = True
                break
        fresh = len(buffer) - (0 if tail is None else len(tail))
        if fresh <= 0:
            break
        out = fn(torch.stack(buffer))
        if tail is not None:
            n = len(tail)
            w = (torch.arange(1, n + 1, dtype=out.dtype) / (n + 1)).view(-1, *([1] * (out.dim() - 1)))
            out = torch.cat([tail * (1 - w) + out[:n] * w, out[n:]])
        keep = 0 if exhausted else min(overlap, len(out))
        for frame in out[:len(out) - keep]:
            yield frame
        tail = out[len(out) - keep:] if keep else None
        buffer = buffer[len(buffer) - keep:] if keep else []
    if tail is not None:
        for frame in tail:
            yield frame
