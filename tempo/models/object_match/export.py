"""Object stage weights in tempo's checkpoint format (``x.safetensors`` + ``x.json`` with the trainer's config):
``tools/train.py``'s ``final.safetensors`` of any of the three trainers is one."""
from __future__ import annotations

from tempo.models.common.tempo_checkpoint import load_tempo_checkpoint


def load_stage_model(path):
    """The trainer of the checkpoint (its type from the sidecar), weights loaded strictly, eval mode."""
    from . import model  # noqa: F401  (registers the trainers)

    return load_tempo_checkpoint(path, family="object stage").eval()
