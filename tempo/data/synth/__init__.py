"""Synthetic benchmark generator: real encoded videos with exact ground truth for action detection,
moment grounding, restoration and completion (``tempo synth``)."""
from .actions import ACTION_NAMES, ACTIONS
from .generate import generate
from .presets import PRESETS, TASKS, Preset, get_preset

__all__ = ["ACTIONS", "ACTION_NAMES", "PRESETS", "Preset", "TASKS", "generate", "get_preset"]
