"""Build a ``VideoCompleter`` from an mmengine config (``configs/onion_peel/*.py``) and official weights."""
from __future__ import annotations

from mmengine.config import Config

from ...registry import MODELS
from . import opn as _opn, tcn as _tcn  # noqa: F401  (register OnionPeelOPN / OnionPeelTCN)
from .checkpoint import load_official
from .completer import VideoCompleter


def build_completer(config, opn_weights, tcn_weights=None, device="cpu") -> VideoCompleter:
    """``config``: a path or Config with ``model.opn``, ``model.tcn`` and ``completion`` sections."""
    cfg = config if isinstance(config, Config) else Config.fromfile(str(config))
    opn = load_official(MODELS.build(cfg.model.opn), opn_weights, device)
    tcn = load_official(MODELS.build(cfg.model.tcn), tcn_weights, device) if tcn_weights else None
    opts = dict(cfg.completion)
    if opts.get("size") is not None:
        opts["size"] = tuple(opts["size"])
    return VideoCompleter(opn, tcn, device=device, **opts)
