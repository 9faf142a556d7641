"""Validation metric of the clip network: per-class average precision of its window predictions.

"active" targets are soft (the covered fraction of the window): a window counts as positive when the action
covers more than half of it (as the prototype's evaluation counted). Start and end targets are already 0/1.
Each group's mAP averages the classes that have a positive window (AP is undefined without one).
"""
from __future__ import annotations

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

from tempo.eval.average_precision import average_precision

GROUPS = ("active", "start", "end")


def window_map(probs: np.ndarray, targets: np.ndarray, num_classes: int, threshold: float = 0.5) -> dict:
    """(M, 3C) probabilities and targets -> {"active_mAP", "start_mAP", "end_mAP"} (NaN for a group with no
    positive window)."""
    out = {}
    for g, name in enumerate(GROUPS):
        cols = slice(g * num_classes, (g + 1) * num_classes)
        truth, score = targets[:, cols] > threshold, probs[:, cols]
        aps = [average_precision(truth[:, c], score[:, c]) for c in range(num_classes) if truth[:, c].any()]
        out[f"{name}_mAP"] = float(np.mean(aps)) if aps else float("nan")
    return out


@METRICS.register_module(name="ActionClipWindowMAP")
class ActionClipWindowMAP(BaseMetric):
    """mAP of "active" (and start / end) predictions over the validation windows; ``active_mAP`` is the one
    to select checkpoints by (``save_best="clipnet/active_mAP"``)."""

    default_prefix = "clipnet"

    def __init__(self, threshold: float = 0.5, collect_device: str = "cpu", prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.threshold = float(threshold)

    def process(self, data_batch, data_samples) -> None:
        for sample in data_samples:
            self.results.append((np.asarray(sample["probs"], np.float32), np.asarray(sample["targets"], np.float32)))

    def compute_metrics(self, results: list) -> dict:
        probs = np.stack([p for p, _ in results])
        targets = np.stack([t for _, t in results])
        return window_map(probs, targets, probs.shape[1] // 3, self.threshold)
