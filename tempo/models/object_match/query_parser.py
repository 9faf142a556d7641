"""QueryParser: which object a query describes and which action it names, read from the frozen MiniLM sentence
embedding (tempo's text encoder) by a small MLP. Per factor it gives a distribution over the factor's values plus
"not said" (a query names as few attributes as single the object out), and one over the actions."""
from __future__ import annotations

import torch
from torch import nn

from .labels import FACTORS, HEADS


class QueryParser(nn.Module):
    def __init__(self, text_dim: int = 384, hidden: int = 512):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(text_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU())
        sizes = {k: len(v) + 1 for k, v in FACTORS.items()} | {"action": len(HEADS["action"])}
        self.heads = nn.ModuleDict({k: nn.Linear(hidden, n) for k, n in sizes.items()})

    def forward(self, embedding: torch.Tensor) -> dict:
        h = self.body(embedding)
        return {k: head(h) for k, head in self.heads.items()}
