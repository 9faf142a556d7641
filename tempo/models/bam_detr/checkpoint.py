"""Official ``model.ckpt`` loading and tempo's own safetensors checkpoints."""
import argparse
from pathlib import Path

import torch

from ..common import tempo_checkpoint as common
from .model import BAMDETR

# options of the official argparse namespace that shape the model
_MODEL_OPTS = ("v_feat_dim", "t_feat_dim", "hidden_dim", "nheads", "num_queries", "enc_layers", "dec_layers",
               "dim_feedforward", "dropout", "input_dropout", "n_input_proj", "max_q_l", "use_txt_pos",
               "aux_loss", "quality_loss")


def model_kwargs_from_opt(opt) -> dict:
    """Official options (Namespace or dict; v_feat_dim already includes the TEF dims) -> BAMDETR kwargs."""
    opt = vars(opt) if isinstance(opt, argparse.Namespace) else dict(opt)
    if opt.get("a_feat_dim"):
        raise ValueError("audio features (a_feat_dir) are not supported")
    if opt.get("pre_norm"):
        raise ValueError("pre_norm is not supported (the official pre-norm path is broken)")
    if opt.get("span_loss_type", "l1") != "l1":
        raise ValueError("only span_loss_type 'l1' is supported")
    return {k: opt[k] for k in _MODEL_OPTS if k in opt}


def build_from_official_opt(opt, **overrides) -> BAMDETR:
    return BAMDETR(**{**model_kwargs_from_opt(opt), **overrides})


def read_official_checkpoint(path) -> dict:
    """Load an official checkpoint without executing arbitrary pickles: only argparse.Namespace is allowed."""
    with torch.serialization.safe_globals([argparse.Namespace]):
        return torch.load(path, map_location="cpu", weights_only=True)


def load_official(path, **overrides) -> tuple[BAMDETR, dict]:
    """Build the model from the checkpoint's own options and load its weights strictly.
    Returns (model in eval mode, the options as a dict)."""
    ckpt = read_official_checkpoint(path)
    opt = {k: v for k, v in vars(ckpt["opt"]).items()}
    model = build_from_official_opt(opt, **overrides)
    model.load_state_dict(ckpt["model"], strict=True)
    return model.eval(), opt


def save_tempo_checkpoint(model, path, config: dict) -> Path:
    """The alias-free state dict of a BAMDETRGrounder (or any state dict) + its mmengine config."""
    return common.save_tempo_checkpoint(model, path, config, fmt="tempo-bam-detr")


def load_tempo_checkpoint(path, config: dict | None = None):
    from . import grounder  # noqa: F401  (registers BAMDETRGrounder)

    return common.load_tempo_checkpoint(path, config, family="BAM-DETR")
