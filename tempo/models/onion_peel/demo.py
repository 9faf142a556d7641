"""The two official demo schedules over a whole clip held in memory (used for parity and short clips).

Tensors follow the demo layout [1, C, T, H, W]. For long videos use ``VideoCompleter`` (streaming, a
bounded memory bank), which runs the same steps.
"""
from __future__ import annotations

import numpy as np
import torch

from .opn import OPN, Memory
from .preprocess import preprocess
from .tcn import TCN


def preprocess_clip(raw_frames, raw_masks, size=None, interpolation: str = "linear") -> dict:
    """uint8 frames [T,H,W,3] and masks [T,H,W] -> frames, valids, holes, dists as [1,C,T,H,W] float32."""
    per_frame = [preprocess(np.asarray(f), np.asarray(m), size, interpolation) for f, m in zip(raw_frames, raw_masks)]
    names = ("frames", "valids", "holes", "dists")
    return {name: torch.stack([p[i] for p in per_frame], dim=2) for i, name in enumerate(names)}


def memory_selection(num_frames: int, mem_every: int) -> tuple[list[int], list[list[int]]]:
    """Video demo: memory frames every ``mem_every`` frames; each frame reads all of them but itself.

    Returns (midx, ridx) with ridx[f] the positions in midx that frame f reads.
    """
    midx = list(range(0, num_frames, mem_every))
    ridx = [[i for i, m in enumerate(midx) if m != f] for f in range(num_frames)]
    return midx, ridx


@torch.no_grad()
def memorize_all(opn: OPN, frames, valids, dists):
    """Encode every frame of [1,C,M,H,W] inputs -> (keys, values [1,128,M,h,w], mhol [1,1,M,h,w])."""
    outs = [opn.memorize(frames[:, :, t], valids[:, :, t], dists[:, :, t]) for t in range(frames.shape[2])]
    return tuple(torch.stack([o[i] for o in outs], dim=2) for i in range(3))


def _memory(opn: OPN, mkey, mval, mhol, positions: list[int]) -> Memory:
    return Memory.concat([opn.readable(mkey[:, :, i], mval[:, :, i], mhol[:, :, i]) for i in positions], opn.channels)


@torch.no_grad()
def complete_clip(opn: OPN, frames, valids, dists, midx: list[int], ridx: list[list[int]],
                  trace_frame: int | None = None) -> dict:
    """OPN part of both demos: memorize ``midx`` frames once, then peel every frame reading ``ridx[f]``.

    Returns a dict with mkey, mval, mhol, comps [1,3,T,H,W], n_steps, read_calls and (optionally) the
    per-step trace of ``trace_frame``.
    """
    mkey, mval, mhol = memorize_all(opn, frames[:, :, midx], valids[:, :, midx], dists[:, :, midx])
    comps = torch.zeros_like(frames)
    n_steps, read_calls, trace = [], [], []
    for f in range(frames.shape[2]):
        memory = _memory(opn, mkey, mval, mhol, ridx[f])
        steps: list = []
        comps[:, :, f], n = opn.complete(memory, frames[:, :, f], valids[:, :, f], dists[:, :, f], traces=steps)
        n_steps.append(n)
        read_calls += [(f, s["n_query"], s["n_memory"]) for s in steps]
        if f == trace_frame:
            trace = steps
    return dict(mkey=mkey, mval=mval, mhol=mhol, comps=comps, n_steps=n_steps, read_calls=read_calls, trace=trace)


@torch.no_grad()
def temporal_pass(tcn: TCN, comps, holes, keep_hidden: int = 0) -> tuple[torch.Tensor, dict]:
    """Video demo post-processing: the TCN over all frames in order, as the demo indexes them.

    Frame 0's "previous" output and hole are those at index -1 (Python wrap-around): the still-zero
    output slot and the LAST frame's hole map. Returns (ppeds [1,3,T,H,W], hidden states of the first
    ``keep_hidden`` frames).
    """
    ppeds = torch.zeros_like(comps)
    ppeds[:, :, 0] = comps[:, :, 0]
    hidden, kept = None, {}
    for f in range(comps.shape[2]):
        ppeds[:, :, f], hidden = tcn(ppeds[:, :, f - 1], holes[:, :, f - 1], comps[:, :, f], holes[:, :, f], hidden)
        if f < keep_hidden:
            kept[f] = hidden
    return ppeds, kept


def to_uint8_truncated(video) -> torch.Tensor:
    """[1,3,T,H,W] in [0,1] -> [T,H,W,3] uint8 by truncation, as the demos save images."""
    return (video[0].permute(1, 2, 3, 0) * 255.0).to(torch.uint8)
