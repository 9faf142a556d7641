"""Queries -> parse vectors (``match.parse_vector`` layout) with a trained ``QueryParser`` over MiniLM."""
from __future__ import annotations

import numpy as np
import torch

from .labels import FACTORS


class QueryParse:
    def __init__(self, checkpoint, minilm_dir: str | None = None):
        from tempo.features.text import MiniLM

        from .export import load_stage_model

        from tempo.errors import InputError

        from .query_parser import QueryParser

        self.checkpoint = checkpoint
        self.network = load_stage_model(checkpoint).network
        if not isinstance(self.network, QueryParser):
            raise InputError(checkpoint, f"not a QueryParser checkpoint ({type(self.network).__name__})")
        self.minilm = MiniLM(minilm_dir)

    def __call__(self, texts: list) -> np.ndarray:
        return self.from_embeddings(self.minilm.encode(list(texts)))

    def from_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = self.network(torch.as_tensor(np.asarray(embeddings, np.float32)))
        return torch.cat([out[k].softmax(1) for k in list(FACTORS) + ["action"]], 1).numpy()
