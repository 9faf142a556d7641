"""Official ``model.ckpt`` loading and tempo's own safetensors checkpoints."""
import argparse
import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

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
    """tempo's format: ``<path>`` safetensors (the alias-free state dict of a BAMDETRGrounder, or any state
    dict) and ``<stem>.json`` with the mmengine model config (``type`` included) beside it. Atomic writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = model if isinstance(model, dict) else model.state_dict()
    state = {k: v.detach().contiguous().cpu() for k, v in state.items()}
    tmp = path.with_name(path.name + ".tmp")
    save_file(state, str(tmp), metadata={"format": "tempo-bam-detr"})
    tmp.replace(path)
    cfg_path = path.with_name(path.stem + ".json")
    tmp = cfg_path.with_name(cfg_path.name + ".tmp")
    tmp.write_text(json.dumps(config, indent=2, default=list))
    tmp.replace(cfg_path)
    return path


def load_tempo_checkpoint(path, config: dict | None = None):
    """Rebuild the model from its config (the JSON beside the weights) and load the weights strictly."""
    from tempo.errors import InputError
    from tempo.registry import MODELS

    from . import grounder  # noqa: F401  (registers BAMDETRGrounder)

    path = Path(path)
    if config is None:
        cfg_path = path.with_name(path.stem + ".json")
        if not cfg_path.is_file():
            raise InputError(str(path), f"missing model config {cfg_path.name} beside the weights")
        config = json.loads(cfg_path.read_text())
    model = MODELS.build(dict(config))
    try:
        model.load_state_dict(load_file(str(path)), strict=True)
    except Exception as exc:
        raise InputError(str(path), f"cannot load tempo BAM-DETR weights ({exc.__class__.__name__}: {exc})") from exc
    return model.eval()
