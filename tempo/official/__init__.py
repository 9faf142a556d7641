"""Official weights by name: the registry (``registry.json``, read as data), where fetched files live, the
resumable verified download, and ``--model NAME`` for the task commands."""
from .registry import apply_model, get_model, list_models, model_dir, weights_root

__all__ = ["apply_model", "get_model", "list_models", "model_dir", "weights_root"]
