"""Build a ``VideoCompleter`` from an mmengine config (``configs/onion_peel/*.py``) and weights."""
from __future__ import annotations

from mmengine.config import Config

from ...config_file import load_config
from .completer import VideoCompleter
from .tempo_weights import load_networks


def completion_options(config) -> dict:
    """The ``completion`` section of a config (a path or Config) as VideoCompleter keyword arguments."""
    cfg = config if isinstance(config, Config) else load_config(config)
    opts = dict(cfg.completion)
    if opts.get("size") is not None:
        opts["size"] = tuple(opts["size"])
    return opts


def build_completer(config, opn_weights=None, tcn_weights=None, device="cpu") -> VideoCompleter:
    """``config``: a path or Config with a ``completion`` section. ``opn_weights``: an official ``OPN.pth`` or
    tempo ``.safetensors`` (+ its .json; the architecture comes from there), None = the embedded default.
    ``tcn_weights``: an official ``TCN.pth`` or None (no temporal smoothing)."""
    cfg = config if isinstance(config, Config) else load_config(config)
    official = {k: v for k, v in (cfg.get("model", {}).get("opn") or {}).items() if k != "type"}
    opn, tcn, _ = load_networks(opn_weights, tcn_weights, device, official)
    return VideoCompleter(opn, tcn, device=device, **completion_options(cfg))
