"""The mmengine models that train the object stage's three networks (``ForegroundNet``, ``ObjectClipNet``,
``QueryParser``). ``mode="loss"`` -> losses; ``"predict"`` -> per batch the counts ``StageAccuracy`` adds up."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from tempo.registry import MODELS

from .labels import HEADS
from .query_parser import QueryParser
from .recogniser import ObjectClipNet, crops_to_input
from .segmenter import ForegroundNet, frames_to_input
from .slots import CLIP_FRAMES


@MODELS.register_module()
class ForegroundTrainer(BaseModel):
    def __init__(self, width: int = 16, dilations=(1, 2, 4, 8, 1), data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.network = ForegroundNet(width, tuple(dilations))

    def forward(self, frames, masks, mode: str = "tensor"):
        logits = self.network(frames_to_input(frames))[:, 0]
        if mode == "loss":
            return {"loss_mask": F.binary_cross_entropy_with_logits(logits, masks.float())}
        if mode == "predict":
            pred, true = logits > 0, masks > 0.5
            return [{"fg_intersection": float((pred & true).sum()), "fg_union": float((pred | true).sum())}]
        return logits


@MODELS.register_module()
class ObjectClipTrainer(BaseModel):
    """Objectness BCE + one cross-entropy per head (attributes only where the blob is an object)."""

    def __init__(self, crop: int = 48, widths=(24, 32, 48, 64), embed: int = 128, temporal: int = 128,
                 track_width: int = 0, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.network = ObjectClipNet(5, crop, tuple(widths), embed, temporal, track_width, CLIP_FRAMES)

    def forward(self, crops, labels, mode: str = "tensor"):
        out = self.network(crops_to_input(crops))
        is_object = labels[:, 0] >= 0
        if mode == "loss":
            losses = {"loss_object": F.binary_cross_entropy_with_logits(out["object"], is_object.float())}
            for i, name in enumerate(HEADS):
                losses[f"loss_{name}"] = F.cross_entropy(out[name], labels[:, i], ignore_index=-1)
            return losses
        if mode == "predict":
            counts = {"object_correct": float(((out["object"] > 0) == is_object).sum()), "object_total": len(labels)}
            for i, name in enumerate(HEADS):
                known = labels[:, i] >= 0
                counts[f"{name}_correct"] = float((out[name].argmax(1) == labels[:, i])[known].sum())
                counts[f"{name}_total"] = float(known.sum())
            return [counts]
        return out


@MODELS.register_module()
class QueryParserTrainer(BaseModel):
    def __init__(self, text_dim: int = 384, hidden: int = 512, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.network = QueryParser(text_dim, hidden)

    def forward(self, embedding, targets, mode: str = "tensor"):
        out = self.network(embedding.float())
        if mode == "loss":
            return {f"loss_{k}": F.cross_entropy(v, targets[:, i]) for i, (k, v) in enumerate(out.items())}
        if mode == "predict":
            right = torch.stack([v.argmax(1) == targets[:, i] for i, v in enumerate(out.values())], 1)
            counts = {f"{k}_correct": float(right[:, i].sum()) for i, k in enumerate(out)}
            counts |= {f"{k}_total": float(len(targets)) for k in out}
            return [counts | {"all_correct": float(right.all(1).sum()), "all_total": float(len(targets))}]
        return out
