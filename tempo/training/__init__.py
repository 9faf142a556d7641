"""Training glue shared by every model family: building mmengine Runners from tempo configs, safe checkpoints,
exporting tempo weights, and the hooks (``TempoSafeCheckpointHook``, ``TempoTimeLimitHook``)."""
from . import hooks  # noqa: F401  (registers the hooks)
from .runner import (checkpoint_safe_globals, checkpoint_state, ema_or_model_state, export_weights,
                     mmengine_checkpoint_globals, resolve_tempo_types, runner_from_cfg)

__all__ = ["checkpoint_safe_globals", "checkpoint_state", "ema_or_model_state", "export_weights",
           "mmengine_checkpoint_globals", "resolve_tempo_types", "runner_from_cfg"]
