"""TextClipNet weights: ``x.safetensors`` (the ``TextClipNetTrainer`` state dict) + ``x.json`` (its model config),
tempo's common checkpoint format; ``tools/train.py``'s ``final.safetensors`` is already one."""
from __future__ import annotations

import inspect
import json
from pathlib import Path

from tempo.errors import InputError
from tempo.models.common.tempo_checkpoint import config_path_for, load_tempo_checkpoint

from .model import TextClipNetTrainer

MODEL_TYPE = "TextClipNetTrainer"


def read_config(path) -> dict:
    """The JSON sidecar of ``path`` with the trainer's defaults filled in (no weights are read)."""
    path = Path(path)
    cfg_path = config_path_for(path)
    if not path.is_file():
        raise InputError(path, "TextClipNet weights not found")
    if not cfg_path.is_file():
        raise InputError(path, f"missing model config {cfg_path.name} beside the weights")
    try:
        config = json.loads(cfg_path.read_text())
    except ValueError as exc:
        raise InputError(cfg_path, f"not JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("type") != MODEL_TYPE:
        raise InputError(cfg_path, f"not a TextClipNet checkpoint (type {config.get('type')!r})")
    defaults = {name: p.default for name, p in inspect.signature(TextClipNetTrainer).parameters.items()
                if p.default is not inspect.Parameter.empty and name not in ("data_preprocessor", "init_cfg")}
    # the body a training run started from is in the weights now; its path need not exist where they are used
    return {**defaults, **config, "init_body": None}


def load_text_clipnet(path) -> TextClipNetTrainer:
    """Rebuild the trainer from the sidecar and load the weights strictly (eval mode)."""
    return load_tempo_checkpoint(path, read_config(path), family="TextClipNet")
