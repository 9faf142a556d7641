"""A tiny BAM-DETR grounder bundle (random weights, EfficientNet-Lite0 2-s rows, MiniLM tokens) for CLI tests."""
import json

import torch

from tempo.models.bam_detr.checkpoint import save_tempo_checkpoint
from tempo.models.bam_detr.grounder import BAMDETRGrounder

MODEL = dict(type="BAMDETRGrounder", model=dict(v_feat_dim=1280 + 2, t_feat_dim=384, dim_feedforward=64,
                                                enc_layers=1, num_queries=5),
             test_cfg=dict(clip_length=2.0, max_ts=None, nms_thd=0.3, max_before_nms=5, max_after_nms=5))


def write_tiny_grounder(folder, seed: int = 0, extra: dict | None = None):
    """``folder/g.safetensors`` + its ``.json`` (how to make the inputs again, plus ``extra`` entries); returns the
    weights path."""
    torch.manual_seed(seed)
    model = BAMDETRGrounder(**{k: v for k, v in MODEL.items() if k != "type"})
    path = save_tempo_checkpoint(model, folder / "g.safetensors", MODEL)
    path.with_suffix(".json").write_text(json.dumps({
        "model": MODEL, "text": {"encoder": "MiniLM", "tokens": True, "max_tokens": 32}, **(extra or {}),
        "video_features": {"backbone": "EfficientNetLite0", "layout": "ground", "fps": 10.0, "clip_len": 2.0,
                           "frame_step": 5}}))
    return path
