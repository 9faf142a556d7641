"""Checkpoints: official TriDet ``.pth.tar`` files and tempo's own (safetensors + config JSON)."""
import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from tempo.errors import InputError


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
    """Write ``<path>`` (safetensors weights of a module or a state dict) and the model config as JSON beside
    it (``x.safetensors`` -> ``x.json``). Generic: works for any model buildable from ``config``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = model if isinstance(model, dict) else model.state_dict()
    state = {k: v.detach().contiguous().cpu() for k, v in state.items()}
    tmp = path.with_name(path.name + ".tmp")
    save_file(state, str(tmp), metadata={"format": "tempo-tridet"})
    tmp.replace(path)
    config_path = config_path_for(path)
    tmp = config_path.with_name(config_path.name + ".tmp")
    tmp.write_text(json.dumps(config, indent=2, default=_jsonable))
    tmp.replace(config_path)
    return path


def config_path_for(path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".json")


def load_tempo_checkpoint(path, config: dict = None):
    """Rebuild the model from ``config`` (or the JSON beside the weights) and load the safetensors weights."""
    from tempo.registry import MODELS

    path = Path(path)
    if config is None:
        cfg_path = config_path_for(path)
        if not cfg_path.is_file():
            raise InputError(str(path), f"missing model config {cfg_path.name} beside the weights")
        config = json.loads(cfg_path.read_text())
    model = MODELS.build(dict(config))
    try:
        model.load_state_dict(load_file(str(path)), strict=True)
    except Exception as exc:
        raise InputError(str(path), f"cannot load tempo TriDet weights ({exc.__class__.__name__})") from exc
    return model.eval()


def _jsonable(obj):
    if isinstance(obj, tuple):
        return list(obj)
    return str(obj)
