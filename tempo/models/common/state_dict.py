"""The weights inside a loaded checkpoint: which entry holds them, and the ``nn.DataParallel`` prefix.

Shared by tools/train.py exports (mmengine checkpoints, EMA weights), official ``.pth``/``.pth.tar`` files and
user backbone checkpoints, which differ only in how strict they are about what they accept."""
from __future__ import annotations

WEIGHT_ENTRIES = ("state_dict_ema", "state_dict")  # EMA first: what official evaluation (and our EMAHook) uses


def weights_entry(ckpt, entries=WEIGHT_ENTRIES):
    """The first of ``entries`` present in a checkpoint dict, else the object itself (a bare state dict)."""
    if isinstance(ckpt, dict):
        for key in entries:
            if key in ckpt:
                return ckpt[key]
    return ckpt


def strip_module_prefix(state: dict, only_if_all: bool = False) -> dict:
    """Remove ``module.`` (an ``nn.DataParallel`` save) from the keys that have it; ``only_if_all``: only when
    every key has it, so a mixed file keeps its names and a strict load reports them."""
    if only_if_all and not (state and all(k.startswith("module.") for k in state)):
        return dict(state)
    return {k.removeprefix("module."): v for k, v in state.items()}
