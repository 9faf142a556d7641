"""TextClipNet weights: ``x.safetensors`` (the ``TextClipNetTrainer`` state dict) + ``x.json`` (its model config),
tempo's common checkpoint format; ``tools/train.py``'s ``final.safetensors`` is already one."""
from __future__ import annotations

from tempo.models.common.tempo_checkpoint import load_tempo_checkpoint, read_sidecar

from .model import TextClipNetTrainer

MODEL_TYPE = "TextClipNetTrainer"


def read_config(path) -> dict:
    """The JSON sidecar of ``path`` with the trainer's defaults filled in (no weights are read)."""
    # the weights a training run started from are in these now; their path need not exist where they are used
    return {**read_sidecar(path, MODEL_TYPE, TextClipNetTrainer, "TextClipNet"), "init_body": None,
            "init_from": None}


def load_text_clipnet(path) -> TextClipNetTrainer:
    """Rebuild the trainer from the sidecar and load the weights strictly (eval mode)."""
    return load_tempo_checkpoint(path, read_config(path), family="TextClipNet")
