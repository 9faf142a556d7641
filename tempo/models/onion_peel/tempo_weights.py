"""OPN weights in every form the completer accepts, and the embedded default.

* tempo's own: ``X.safetensors`` + ``X.json`` beside it (``tempo.models.common.tempo_checkpoint``). The JSON is
  either an OPN config (``{"type": "OnionPeelOPN", "width": 0.5, ...}``, keys unprefixed: the bundle) or the
  trainer's (``{"type": "OnionPeelOPNTrainer", "opn": {...}}``, keys under ``opn.``: ``tools/train.py``'s
  ``final.safetensors``).
* the released ``OPN.pth`` / ``TCN.pth`` (``checkpoint.load_official``).

The default, ``tempo/weights/onion_peel_synth.safetensors``, is a half-width OPN in Telea-prefill mode
(``OPN(prefill="telea")``) trained on CPU by ``tools/build_default_completer.py``; it has no TCN (no temporal
smoothing).
"""
from __future__ import annotations

import json
from pathlib import Path

from ...errors import InputError
from ..common.tempo_checkpoint import config_path_for, save_tempo_checkpoint
from .checkpoint import load_official
from .opn import OPN
from .tcn import TCN

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "onion_peel_synth.safetensors"
TRAINER_TYPES = {"OnionPeelOPNTrainer", "OPNTrainer"}
OPN_TYPES = {"OnionPeelOPN", "OPN"}
OPN_OPTIONS = {"thickness", "width", "prefill", "hole_dilation", "max_scores", "local_window", "legacy_uint8_count"}


def opn_options(config: dict, source) -> tuple[dict, str]:
    """(OPN keyword arguments, key prefix of its weights) from a tempo JSON config."""
    if isinstance(config.get("model"), dict):  # a bundle that nests the model config
        config = config["model"]
    kind = config.get("type")
    if kind in TRAINER_TYPES:
        config, prefix = dict(config.get("opn") or {}), "opn."
    elif kind in OPN_TYPES:
        prefix = ""
    else:
        raise InputError(source, f"the config beside the weights describes {kind!r}, not an onion-peel OPN")
    return {k: v for k, v in config.items() if k in OPN_OPTIONS}, prefix


def load_tempo_opn(path, device="cpu") -> OPN:
    """An OPN from tempo weights (the bundle or a trainer export), strictly: every parameter, every shape."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "checkpoint file not found")
    cfg_path = config_path_for(path)
    if not cfg_path.is_file():
        raise InputError(path, f"missing model config {cfg_path.name} beside the weights")
    try:
        config = json.loads(cfg_path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(cfg_path, f"unreadable model config ({exc})") from None
    if not isinstance(config, dict):
        raise InputError(cfg_path, "the model config is not a JSON object")
    options, prefix = opn_options(config, cfg_path)
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise InputError(path, f"cannot read safetensors weights ({exc})") from None
    state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    model = OPN(**options)
    try:
        model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()}, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, f"the weights do not match the OPN of {cfg_path.name} ({first} ...)") from None
    return model.to(device).eval()


def load_opn(path, device="cpu", official_options: dict | None = None) -> OPN:
    """OPN from a tempo ``.safetensors`` (its architecture from the JSON beside it) or an official ``.pth``
    (any other suffix; the released architecture, with ``official_options`` such as ``thickness``)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        return load_tempo_opn(path, device)
    return load_official(OPN(**(official_options or {})), path, device)


def load_networks(opn=None, tcn=None, device="cpu", official_options: dict | None = None
                  ) -> tuple[OPN, TCN | None, str]:
    """(OPN, TCN or None, a short name of the weights). No ``opn``: the embedded default (TCN only if given)."""
    if opn is None:
        if not DEFAULT_WEIGHTS.is_file():
            raise InputError(DEFAULT_WEIGHTS, "the default onion-peel weights are not installed; pass --opn "
                             "OPN.pth or --checkpoint W.safetensors (build: tools/build_default_completer.py)")
        opn = DEFAULT_WEIGHTS
    network = load_opn(opn, device, official_options)
    smoother = load_official(TCN(), tcn, device) if tcn else None
    return network, smoother, Path(opn).name


def save_tempo_opn(opn: OPN, path) -> Path:
    """Write ``opn`` as a tempo bundle: its weights (float32) and the OPN config beside them."""
    config = {"type": "OnionPeelOPN", "thickness": opn.thickness, "width": opn.width, "prefill": opn.prefill,
              "hole_dilation": opn.hole_dilation}
    return save_tempo_checkpoint(opn, path, config, fmt="tempo-onion-peel")
