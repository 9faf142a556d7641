"""Loading official SeedVR checkpoints (plain state dicts: seedvr{,2}_ema_{3b,7b}.pth, ema_vae.pth) and the
official text embeddings. The DiT is built on the meta device and the weights assigned, as the official
loader does, so a 3B/7B model never exists twice in memory."""
from __future__ import annotations

from pathlib import Path

import torch

from .nadit import NaDiT
from .vae import CausalVideoVAE, rename_legacy_keys


def _load(path) -> dict:
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path}: not a plain state dict of tensors")
    return state


def load_official_dit(path, **dit_kwargs) -> NaDiT:
    """``dit_kwargs``: the NaDiT constructor arguments (e.g. ``Config.fromfile(configs/seedvr/seedvr_3b.py).model``
    without ``type``). Strict: every key must match. ``path`` may be the loaded state dict."""
    with torch.device("meta"):
        model = NaDiT(**dit_kwargs)
    model.load_state_dict(path if isinstance(path, dict) else _load(path), strict=True, assign=True)
    return model.eval()


def load_official_vae(path, **vae_kwargs) -> CausalVideoVAE:
    """Renames the legacy attention keys; fails on missing keys (the official load is non-strict, but a
    missing weight would silently stay random) and ignores unexpected ones."""
    with torch.device("meta"):
        model = CausalVideoVAE(**vae_kwargs)
    state = path if isinstance(path, dict) else _load(path)  # ``path`` may be the loaded state dict
    result = model.load_state_dict(rename_legacy_keys(state), strict=False, assign=True)
    if result.missing_keys:
        raise ValueError(f"{path}: missing VAE weights {result.missing_keys[:5]}...")
    return model.eval()


def load_text_embedding(path) -> torch.Tensor:
    """The official pos_emb.pt / neg_emb.pt: one (L, 5120) bfloat16 tensor each."""
    emb = torch.load(Path(path), map_location="cpu", weights_only=True)
    if isinstance(emb, dict):
        raise ValueError(f"{path}: expected a tensor")
    return emb.float()


def strip_type(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k != "type"}


# -- tempo's own restorers: safetensors + the model config as JSON beside them ---------------------------
def save_restorer(restorer, path, config: dict) -> Path:
    """Weights of a ``SeedVRRestorer`` (or a state dict) and its config (``x.safetensors`` + ``x.json``)."""
    from tempo.models.tridet.checkpoint import save_tempo_checkpoint  # generic despite its home

    return save_tempo_checkpoint(restorer, path, config)


def load_restorer(path, config: dict | None = None):
    """A ``SeedVRRestorer`` from tempo weights: the restorer's own (``save_restorer``) or a whole
    ``SeedVRTrainer`` exported by ``tools/train.py`` (``final.safetensors``, keys under ``restorer.``)."""
    import json

    from safetensors.torch import load_file

    from tempo.errors import InputError
    from tempo.registry import MODELS, check_types

    from . import train_model  # noqa: F401  (registers SeedVRTrainer)

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "weights file not found")
    if config is None:
        cfg_path = path.with_name(path.stem + ".json")
        if not cfg_path.is_file():
            raise InputError(path, f"missing model config {cfg_path.name} beside the weights (or pass --config)")
        config = check_types(json.loads(cfg_path.read_text()), cfg_path, MODELS)  # data: tempo's types only
    config = dict(config)
    if config.get("type") == "SeedVRTrainer":
        config = dict(config["restorer"])
    try:
        state = load_file(str(path))
    except Exception as exc:
        raise InputError(path, f"cannot read safetensors weights ({exc.__class__.__name__})") from exc
    if any(k.startswith("restorer.") for k in state):
        state = {k[len("restorer."):]: v for k, v in state.items() if k.startswith("restorer.")}
    model = MODELS.build(config)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise InputError(path, f"weights do not match the model config: {str(exc).splitlines()[0]}") from exc
    return model.eval(), config


__all__ = ["load_official_dit", "load_official_vae", "load_restorer", "load_text_embedding", "save_restorer",
           "strip_type"]
