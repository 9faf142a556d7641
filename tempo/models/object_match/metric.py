"""``StageAccuracy``: adds up the ``<name>_correct`` / ``<name>_total`` counts (and ``fg_intersection`` /
``fg_union``) the object stage's trainers predict, and reports each ratio."""
from __future__ import annotations

from collections import Counter

from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS


@METRICS.register_module(name="StageAccuracy")
class StageAccuracy(BaseMetric):
    default_prefix = "objects"

    def process(self, data_batch, data_samples) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        total = Counter()
        for r in results:
            total.update(r)
        out = {k[:-len("_correct")]: total[k] / max(total[k.replace("_correct", "_total")], 1)
               for k in total if k.endswith("_correct")}
        if total["fg_union"]:
            out["fg_iou"] = total["fg_intersection"] / total["fg_union"]
        return out
