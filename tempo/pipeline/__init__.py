"""Staged pipelines with a content-addressed cache of intermediate results."""
from . import basic_stages  # noqa: F401  (registers the model-free stages)
from .cache import Cache, default_cache_dir
from .fingerprint import file_fingerprint, stable_hash
from .pipeline import Pipeline
from .stage import Stage

__all__ = ["Cache", "Pipeline", "Stage", "default_cache_dir", "file_fingerprint", "stable_hash"]
