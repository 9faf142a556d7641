"""tempo's own checkpoint format, for every model family: ``x.safetensors`` (the state dict) and ``x.json``
(the mmengine model config, ``type`` included) beside it. Both written atomically (temp file + rename)."""
from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import load_file, save_file

from tempo.errors import InputError


def config_path_for(path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".json")


def save_tempo_checkpoint(model, path, config: dict, fmt: str = "tempo") -> Path:
    """Write the weights of a module (or a state dict) and ``config``; ``fmt`` tags the safetensors metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = model if isinstance(model, dict) else model.state_dict()
    state = {k: v.detach().contiguous().cpu() for k, v in state.items()}
    tmp = path.with_name(path.name + ".tmp")
    save_file(state, str(tmp), metadata={"format": fmt})
    tmp.replace(path)
    config_path = config_path_for(path)
    tmp = config_path.with_name(config_path.name + ".tmp")
    tmp.write_text(json.dumps(config, indent=2, default=_jsonable))
    tmp.replace(config_path)
    return path


def load_tempo_checkpoint(path, config: dict | None = None, family: str = "tempo"):
    """Rebuild the model from ``config`` (or the JSON beside the weights) and load the weights strictly."""
    from tempo.registry import MODELS, check_types

    path = Path(path)
    cfg_path = config_path_for(path)
    if config is None:
        if not cfg_path.is_file():
            raise InputError(str(path), f"missing model config {cfg_path.name} beside the weights")
        config = json.loads(cfg_path.read_text())
    # the config is data (the JSON beside the weights): it may only name tempo's own model types
    model = MODELS.build(check_types(dict(config), cfg_path, MODELS))
    try:
        model.load_state_dict(load_file(str(path)), strict=True)
    except Exception as exc:
        raise InputError(str(path), f"cannot load tempo {family} weights ({exc.__class__.__name__}: {exc})") from exc
    return model.eval()


def read_sidecar(path, model_type: str, trainer_cls, family: str) -> dict:
    """The JSON sidecar of the weights ``path`` (no weights are read), checked to be a ``model_type`` config and
    completed with ``trainer_cls``'s defaults (a training config may leave arguments at them: tools/train.py
    writes the config as given)."""
    import inspect

    path = Path(path)
    cfg_path = config_path_for(path)
    if not path.is_file():
        raise InputError(path, f"{family} weights not found")
    if not cfg_path.is_file():
        raise InputError(path, f"missing model config {cfg_path.name} beside the weights")
    try:
        config = json.loads(cfg_path.read_text())
    except ValueError as exc:
        raise InputError(cfg_path, f"not JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("type") != model_type:
        kind = config.get("type") if isinstance(config, dict) else type(config).__name__
        raise InputError(cfg_path, f"not a{'n' if family[0] in 'AEIOU' else ''} {family} checkpoint (type {kind!r})")
    defaults = {name: p.default for name, p in inspect.signature(trainer_cls).parameters.items()
                if p.default is not inspect.Parameter.empty and name not in ("data_preprocessor", "init_cfg")}
    return {**defaults, **config}


def _jsonable(obj):
    return list(obj) if isinstance(obj, tuple) else str(obj)
