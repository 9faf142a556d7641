"""mmengine wrapper: BAM-DETR + criterion + post-processing behind ``BaseModel`` (loss / predict / tensor)."""
from __future__ import annotations

import torch
from mmengine.model import BaseModel

from tempo.registry import MODELS

from .criterion import BAMCriterion, HungarianMatcher, build_weight_dict
from .model import BAMDETR
from .postprocess import official_predictions

# the official model registers these modules twice (aliases); tempo's own state dicts keep one name
ALIAS_PREFIXES = {"bam.transformer.decoder.bbox_embed.": "bam.span_embed.",
                  "bam.transformer.saliency_proj1.": "bam.saliency_proj1.",
                  "bam.transformer.saliency_proj2.": "bam.saliency_proj2."}


def _drop_aliases(module, state_dict, prefix, local_metadata):
    for key in [k for k in state_dict if any(k.startswith(prefix + a) for a in ALIAS_PREFIXES)]:
        del state_dict[key]
    return state_dict


def _fill_aliases(state_dict, prefix, *args):
    for alias, source in ALIAS_PREFIXES.items():
        for key in [k for k in state_dict if k.startswith(prefix + source)]:
            state_dict.setdefault(prefix + alias + key[len(prefix + source):], state_dict[key])


@MODELS.register_module()
class BAMDETRGrounder(BaseModel):
    """``model``: BAMDETR kwargs; ``loss``: coefficients (official names); ``test_cfg``: post-processing.
    ``state_dict()`` has no alias keys (safetensors refuses shared tensors); loading fills them back."""

    def __init__(self, model: dict, loss: dict | None = None, test_cfg: dict | None = None,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.bam = BAMDETR(**model)
        loss = dict(loss or {})
        matcher = HungarianMatcher(loss.pop("set_cost_span", 10), loss.pop("set_cost_giou", 1),
                                   loss.pop("set_cost_class", 0))
        eos_coef, margin = loss.pop("eos_coef", 0.1), loss.pop("saliency_margin", 0.2)
        weights = build_weight_dict(span=loss.pop("span_loss_coef", 10), giou=loss.pop("giou_loss_coef", 1),
                                    label=loss.pop("label_loss_coef", 0), saliency=loss.pop("lw_saliency", 1.0),
                                    quality=loss.pop("quality_loss_coef", 2),
                                    boundary=loss.pop("boundary_loss_coef", 1),
                                    dec_layers=model.get("dec_layers", 2), aux_loss=model.get("aux_loss", True))
        if loss:
            raise ValueError(f"unknown loss options {sorted(loss)}")
        self.criterion = BAMCriterion(weights, matcher, eos_coef, margin)
        self.test_cfg = {**dict(clip_length=2, max_ts=None, nms_thd=0.3, max_before_nms=10, max_after_nms=10),
                         **(test_cfg or {})}
        self._register_state_dict_hook(_drop_aliases)
        self._register_load_state_dict_pre_hook(_fill_aliases)

    def forward(self, inputs: dict, data_samples: dict | None = None, mode: str = "tensor"):
        if mode == "loss":
            outputs = self.bam(**inputs, with_negative=True)
            losses = self.criterion(outputs, data_samples)
            out = {k: v * w for k, v in losses.items() if (w := self.criterion.weight_dict.get(k, 0)) != 0}
            out.update({k: v.detach() for k, v in losses.items() if k.startswith("class_error")})
            return out
        outputs = self.bam(**inputs)
        if mode == "tensor":
            return outputs
        if mode == "predict":
            metas = data_samples["metas"]
            return official_predictions(outputs, metas, **self.test_cfg)[1]
        raise ValueError(f"unknown mode {mode!r}")

    @torch.no_grad()
    def predict_tensors(self, src_vid, src_vid_mask, src_txt, src_txt_mask):
        return self.bam(src_txt, src_txt_mask, src_vid, src_vid_mask)
