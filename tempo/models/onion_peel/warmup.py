"""Training-only warm-up losses for OPN from scratch (see OPNTrainer.autoencoder_iters). Inference never uses them.

From scratch, the hole loss alone teaches OPN slowly and never teaches it to read its memory: the decoder first
has to learn value -> RGB (it sees only ring pixels, through a near-grey output), and the keys have to match
before a read carries anything (uniform attention reads the memory's mean). Each loss gives one of them a
direct signal.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .opn import OPN, quarter_mask


def autoencoder_loss(opn: OPN, frames: torch.Tensor) -> torch.Tensor:
    """L1 of decoder(encoder value) against clean ``frames`` [N,3,H,W] (no holes): the decoder learns value -> RGB."""
    valid, hole = torch.ones_like(frames[:, :1]), torch.zeros_like(frames[:, :1])
    _, value = opn.Encoder(frames, valid, hole)
    return F.l1_loss(opn.Decoder(value), frames)


def key_match_loss(opn: OPN, frame: torch.Tensor, query_hole: torch.Tensor,
                   memory_hole: torch.Tensor) -> torch.Tensor | None:
    """Cross-entropy of the inference attention scores of the hole positions of ``frame`` [1,3,H,W] (holed by
    ``query_hole``) over the same frame holed by ``memory_hole`` (both [1,1,H,W]) onto the SAME position: in this
    copy pair that is the right match. None when no hole position is readable in the memory copy."""
    keys = []
    for hole in (query_hole, memory_hole):  # holes enter the encoder mean-filled, as in OPN.memorize
        key, _ = opn.Encoder(frame * (1 - hole) + hole * opn.mean, 1 - hole, hole)
        keys.append(key[0].flatten(1))
    # the positions OPN's read uses: queries as the peel ring's (>= 0.5), memory as readable() (no hole at all)
    queries = quarter_mask(query_hole, 0.5, inclusive=True)[0, 0].flatten()
    readable = ~quarter_mask(memory_hole, 0.0, inclusive=False)[0, 0].flatten()
    slot = torch.full_like(queries, -1, dtype=torch.long)
    slot[readable] = torch.arange(int(readable.sum()), device=frame.device)
    target = slot[queries]
    ok = target >= 0
    if not bool(ok.any()):
        return None
    scores = keys[0][:, queries][:, ok].t() @ keys[1][:, readable] / math.sqrt(keys[0].shape[0])  # as masked_read
    return F.cross_entropy(scores, target[ok])
