"""Glue between tempo configs and mmengine's Runner, for every model family.

* tempo registers its models and datasets in its own registries (``tempo.registry``), which mmengine's Runner
  does not search; ``resolve_tempo_types`` swaps those ``type`` names for the classes before the Runner builds.
* torch >= 2.6 loads with ``weights_only=True`` by default and mmengine's checkpoints pickle non-tensor
  objects: ``SafeCheckpointHook`` stores the log buffers as plain lists, and ``mmengine_checkpoint_globals``
  allow-lists the remaining numpy scalar/array classes while the Runner loads or resumes.
* tempo's own weights are safetensors + the model config (``export_weights``).
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch


def _resolve(node, registry):
    if isinstance(node, dict) and isinstance(node.get("type"), str) and registry.get(node["type"]) is not None:
        node["type"] = registry.get(node["type"])


def resolve_tempo_types(cfg):
    """In place: ``cfg.model`` and every ``*_dataloader.dataset`` (also inside dataset wrappers' ``dataset`` /
    ``datasets``) whose ``type`` names a tempo-registered class."""
    from tempo.registry import DATASETS, MODELS

    if "model" in cfg:
        _resolve(cfg["model"], MODELS)
    for key in list(cfg.keys()):
        if key.endswith("_dataloader") and isinstance(cfg[key], dict) and "dataset" in cfg[key]:
            stack = [cfg[key]["dataset"]]
            while stack:
                node = stack.pop()
                _resolve(node, DATASETS)
                if isinstance(node, dict):
                    stack.extend([node["dataset"]] if isinstance(node.get("dataset"), dict) else [])
                    stack.extend(d for d in node.get("datasets", []) if isinstance(d, dict))
    return cfg


def runner_from_cfg(cfg):
    """``Runner.from_cfg`` that builds tempo-registered models / datasets. The Runner keeps the original
    (string-typed) config for logging and dumping; only the objects it builds see the resolved classes."""
    import copy

    from mmengine.runner import Runner

    resolved = resolve_tempo_types(copy.deepcopy(cfg))
    keys = ("train_cfg", "val_cfg", "test_cfg", "auto_scale_lr", "optim_wrapper", "param_scheduler",
            "val_evaluator", "test_evaluator", "default_hooks", "custom_hooks", "data_preprocessor", "load_from",
            "resume", "log_processor", "log_level", "visualizer", "default_scope", "randomness",
            "experiment_name")
    defaults = dict(resume=False, log_level="INFO", default_scope="mmengine", randomness=dict(seed=None))
    kwargs = {k: resolved.get(k, defaults.get(k)) for k in keys}
    return Runner(model=resolved["model"], work_dir=resolved["work_dir"],
                  train_dataloader=resolved.get("train_dataloader"), val_dataloader=resolved.get("val_dataloader"),
                  test_dataloader=resolved.get("test_dataloader"), launcher=resolved.get("launcher", "none"),
                  env_cfg=resolved.get("env_cfg", dict(dist_cfg=dict(backend="nccl"))), cfg=cfg, **kwargs)


def checkpoint_safe_globals() -> list:
    """Numpy scalars/arrays that mmengine checkpoints hold (seed, logged metrics): plain data, no code."""
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [type(np.dtype(t)) for t in ("float64", "float32", "float16", "int64", "int32", "bool")]
    return [np.dtype, np.ndarray, _reconstruct, scalar, *dtypes]


@contextlib.contextmanager
def mmengine_checkpoint_globals():
    """Allow-list the classes of ``checkpoint_safe_globals`` for ``torch.load(weights_only=True)``."""
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        yield


def checkpoint_state(path) -> dict:
    """Model weights (no ``module.`` prefix) from tempo safetensors, an mmengine checkpoint of tools/train.py
    (its EMAHook stores the EMA weights under 'state_dict') or an official TriDet ``.pth.tar``
    ('state_dict_ema'); ``.pth`` files load with ``weights_only=True``."""
    path = str(path)
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        return load_file(path)
    with mmengine_checkpoint_globals():
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    from ..models.common.state_dict import strip_module_prefix, weights_entry

    state = strip_module_prefix(weights_entry(ckpt))
    state.pop("steps", None)  # mmengine's EMA step counter
    return state


def ema_or_model_state(runner) -> dict:
    """The EMA weights when an EMAHook ran (what evaluation uses), else the model's own."""
    from mmengine.hooks import EMAHook

    model = runner.model.module if hasattr(runner.model, "module") else runner.model
    for hook in runner.hooks:
        if isinstance(hook, EMAHook) and hasattr(hook, "ema_model"):
            return dict(hook.ema_model.module.state_dict())
    return dict(model.state_dict())


def export_weights(runner, path, model_cfg: dict):
    """Save the (EMA) weights as safetensors plus the model config beside them."""
    from ..models.common.tempo_checkpoint import save_tempo_checkpoint

    model = runner.model.module if hasattr(runner.model, "module") else runner.model

    cfg = dict(model_cfg)
    if not isinstance(cfg.get("type"), str):
        cfg["type"] = type(model).__name__
    return save_tempo_checkpoint(ema_or_model_state(runner), path, cfg)
