"""Checkpoints: official TriDet ``.pth.tar`` files and tempo's own (safetensors + config JSON)."""
from pathlib import Path

import torch

from tempo.errors import InputError

from ..common import tempo_checkpoint as common
from ..common.state_dict import WEIGHT_ENTRIES, strip_module_prefix, weights_entry


def official_state_dict(path, prefer_ema: bool = True) -> dict:
    """Tensors of an official checkpoint: ``state_dict_ema`` (what official eval uses) or ``state_dict``, with the
    ``nn.DataParallel`` ``module.`` prefix removed. Loads with ``weights_only=True``."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a pickle needing arbitrary classes, a truncated file, ...
        raise InputError(str(path), f"cannot read as a TriDet checkpoint ({exc.__class__.__name__}: {exc})") from exc
    state = weights_entry(ckpt, WEIGHT_ENTRIES if prefer_ema else ("state_dict",))
    if not (isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values())):
        raise InputError(str(path), "no 'state_dict_ema' / 'state_dict' entry")
    return strip_module_prefix(state)


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
