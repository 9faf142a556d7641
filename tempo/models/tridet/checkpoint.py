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
    wrong = feature_mismatch(model.state_dict(), state)
    if wrong:
        raise InputError(str(path), wrong)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise InputError(str(path), f"does not match the model config: {str(exc).splitlines()[0]}") from exc
    return model


FIRST_CONV, CLS_CONV = "backbone.embd.0.conv.weight", "cls_head.cls_head.conv.weight"
KNOWN_FEATURES = {2048: "THUMOS14 two-stream I3D", 512: "ActivityNet TSP"}  # the official configs' input widths


def feature_mismatch(expected: dict, state: dict) -> str | None:
    """A checkpoint for other features or classes than the config (an ActivityNet checkpoint with the THUMOS14
    config) as one phrase naming both sides; None when the input width and class count agree."""
    def side(s):
        dim = s[FIRST_CONV].shape[1] if FIRST_CONV in s else None
        classes = s[CLS_CONV].shape[0] if CLS_CONV in s else None
        name = f" ({KNOWN_FEATURES[dim]})" if dim in KNOWN_FEATURES else ""
        return dim, classes, f"{dim}-d features{name} and {classes} class{'es' if classes != 1 else ''}"

    got, want = side(state), side(expected)
    if None in got[:2] or got[:2] == want[:2]:
        return None
    return (f"does not match the model config: it is a TriDet checkpoint for {got[2]}, "
            f"but the config expects {want[2]}")


def save_tempo_checkpoint(model, path, config: dict) -> Path:
    return common.save_tempo_checkpoint(model, path, config, fmt="tempo-tridet")


def load_tempo_checkpoint(path, config: dict = None):
    return common.load_tempo_checkpoint(path, config, family="TriDet")
