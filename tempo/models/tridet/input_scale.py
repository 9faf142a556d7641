"""Per-channel input scaling for training on heterogeneous features, folded into the model for shipping.

TwoStream features mix channels whose spread differs by 1000× (EfficientNet activations ~0.05, flow-statistic
histograms 0.005–5); AdamW with weight decay then barely uses the small-scale channels. Training on features
divided by their per-channel spread fixes that; because the first layer is a convolution over zero-padded input
(zero stays zero after division), dividing its weights by the same spread gives exactly the same model on raw
features, so the shipped checkpoint stays a plain TriDet.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

FIRST_CONV = "backbone.embd.0.conv.weight"


def channel_scale(feature_files, eps: float = 1e-3) -> np.ndarray:
    """Per-channel root mean square (+ eps) over every row of the given (T, C) .npy files.
    RMS, not standard deviation: the folding allows no mean shift, and dividing a near-constant channel by
    its tiny spread would blow its offset up."""
    n, ss = 0, 0.0
    for path in feature_files:
        x = np.load(path).astype(np.float64)
        n, ss = n + len(x), ss + (x ** 2).sum(0)
    if n == 0:
        raise ValueError("no feature rows to measure")
    return (np.sqrt(ss / n) + eps).astype(np.float32)


def fold_input_scale(state: dict, scale) -> dict:
    """State dict of a model trained on ``x / scale`` that gives the same outputs on raw ``x``."""
    w = state[FIRST_CONV]
    scale = torch.as_tensor(np.asarray(scale), dtype=w.dtype)
    if w.shape[1] != scale.numel():
        raise ValueError(f"scale has {scale.numel()} channels, the first convolution reads {w.shape[1]}")
    return {**state, FIRST_CONV: w / scale.view(1, -1, 1)}


def save_channel_scale(path, scale: np.ndarray) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, scale)
    return path
