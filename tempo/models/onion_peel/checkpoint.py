"""Load the released ``OPN.pth`` / ``TCN.pth`` (nn.DataParallel layout) strictly into float32 models.

The official demo loads with ``strict=False``, which silently ignores every key when the ``module.``
prefix is not stripped; here every parameter must be present with its shape, or loading fails.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn

from ...errors import InputError
from ...features.base import load_checkpoint_state

# Constant normalisation buffers the official modules register; their presence in a file is optional.
OPTIONAL_BUFFERS = {"mean", "mean3d", "Encoder.mean", "Encoder.std", "Decoder.mean", "Decoder.std"}


def official_state_dict(model: nn.Module) -> dict:
    """``model``'s parameters in the released layout (``module.`` prefix), e.g. to write test checkpoints."""
    return {f"module.{k}": v for k, v in model.state_dict().items()}


def load_official(model: nn.Module, path, device="cpu") -> nn.Module:
    """Load an official checkpoint into ``model`` (float32, strict on parameters) and return it in eval mode."""
    path = Path(path)
    if not path.is_file():  # checked here for onion-peel's wording, shared with its tempo-weights loader
        raise InputError(path, "checkpoint file not found")
    # A file mixing prefixed and bare keys keeps its names, so the strict check below reports them.
    state = load_checkpoint_state(path, module_prefix="all")
    if not all(torch.is_tensor(v) for v in state.values()):
        raise InputError(path, "not a state dict of tensors")
    # Released files hold float32, the parity set float16: cast floating tensors to float32.
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items() if k not in OPTIONAL_BUFFERS}
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        parts = []
        for name, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)):
            if keys:
                parts.append(f"{len(keys)} {name} (e.g. {', '.join(keys[:3])})")
        raise InputError(path, f"does not match {type(model).__name__}: " + "; ".join(parts))
    model.load_state_dict(state, strict=True)
    return model.to(device).float().eval()
