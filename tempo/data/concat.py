"""Several feature datasets read as one (e.g. the train splits of several synth seeds).

mmengine's ConcatDataset only takes its own BaseDataset subclasses; tempo's feature datasets are plain torch
datasets, so this wraps torch's ConcatDataset and keeps the first part's ``metainfo`` (mmengine reads it)."""
from __future__ import annotations

from torch.utils.data import ConcatDataset

from tempo.registry import DATASETS


@DATASETS.register_module()
class ConcatFeatureDatasets(ConcatDataset):
    def __init__(self, datasets):
        super().__init__([DATASETS.build(d) if isinstance(d, dict) else d for d in datasets])

    @property
    def metainfo(self) -> dict:
        return getattr(self.datasets[0], "metainfo", {})
