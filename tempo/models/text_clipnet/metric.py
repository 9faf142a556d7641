"""How well the clip network's embedding says "this caption describes this clip", on held-out windows:

* ``match_AP``: AP over every decided (window, caption) pair of the validation batches (captions of all
  windows of a batch, mostly easy negatives);
* ``binding_AP``: AP over each window's own captions only: its positives against their hard negatives (the
  same object doing another action, the same action by a differently described object). Chance is the
  positive rate (printed as ``binding_chance``).
"""
from __future__ import annotations

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

from tempo.eval.average_precision import average_precision


@METRICS.register_module(name="CaptionMatchAP")
class CaptionMatchAP(BaseMetric):
    default_prefix = "textclip"

    def process(self, data_batch, data_samples) -> None:
        for s in data_samples:
            lg, lb, own = (np.asarray(s[k]) for k in ("logits", "labels", "own"))
            keep = lb >= 0
            self.results.append((lg[keep], lb[keep], own[keep].astype(bool)))

    def compute_metrics(self, results: list) -> dict:
        logits = np.concatenate([r[0] for r in results])
        labels = np.concatenate([r[1] for r in results])
        own = np.concatenate([r[2] for r in results])
        out = {"match_AP": average_precision(labels == 1, logits) if (labels == 1).any() else float("nan")}
        if (labels[own] == 1).any():
            out["binding_AP"] = average_precision(labels[own] == 1, logits[own])
            out["binding_chance"] = float((labels[own] == 1).mean())
        out["pairs"] = int(len(labels))
        return out
