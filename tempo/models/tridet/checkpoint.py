"""Checkpoints: official TriDet ``.pth.tar`` files and tempo's own (safetensors + config JSON)."""
from pathlib import Path

import torch

from tempo.errors import InputError

from ..common import tempo_checkpoint as common


def official_state_dict(path, prefer_ema: bool = True) -> dict:
    """Tensors of an official checkpoint: ``state_dict_ema`` (what official eval uses) or ``state_dict``, with the
    ``nn.DataParallel`` ``module.`` prefix removed. Loads with ``weights_only=True``."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a pickle needing arbitrary classes, a truncated file, ...
        raise InputError(str(path), f"cannot read as a TriDet checkpoint ({exc.__class__.__name__}: {exc})") from exc
    if isinstance(ckpt, dict) and ("state_dict_ema" in ckpt or "state_dict" in ckpt):
        key = "state_dict_ema" if prefer_ema and "state_dict_ema" in ckpt else "state_dict"
        state = ckpt[key]
    elif isinstance(ckpt, dict) and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        state = ckpt  # a bare state dict
    else:
        raise InputError(str(path), "no 'state_dict_ema' / 'state_dict' entry")
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}


def load_official(model, path, prefer_ema: bool = True):
    """Load an official checkpoint into ``model`` with a strict key match."""
    state = official_state_dict(path, prefer_ema)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise InputError(str(path), f"does not match the model config: {str(exc).splitlines()[0]}") from exc
    return model


def save_tempo_checkpoint(model, path, config: dict) -> Path:
    return common.save_tempo_checkpoint(model, path, config, fmt="tempo-tridet")


def load_tempo_checkpoint(path, config: dict = None):
    return common.load_tempo_checkpoint(path, config, family="TriDet")
