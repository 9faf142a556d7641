"""The precision SeedVR runs at (``tempo restore --dtype``), checked against the device before any work.

The official inference scripts (projects/inference_seedvr{,2}_{3b,7b}.py) run the DiT under
``torch.autocast("cuda", torch.bfloat16)`` and cast the VAE's weights and inputs to the config's
``vae.dtype: bfloat16``; nothing of theirs runs in float16. tempo therefore defaults to bfloat16 on CUDA and
to float32 on the CPU (the parity tests' precision).
"""
from __future__ import annotations

import torch

from tempo.errors import UsageError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
OFFICIAL_GPU_DTYPE = "bfloat16"


def resolve_dtype(name: str | None, device: str) -> str:
    """None/"auto": bfloat16 on CUDA (the official), float32 elsewhere; a precision the device cannot run is a
    usage error (one line)."""
    cuda = str(device).startswith("cuda")
    if name in (None, "auto"):
        return OFFICIAL_GPU_DTYPE if cuda and torch.cuda.is_bf16_supported() else "float32"
    if name not in DTYPES:
        raise UsageError(f"--dtype {name}: choose one of {', '.join(DTYPES)}")
    if name == "float16" and not cuda:
        # torch's CPU half kernels are slow or missing for parts of the VAE; bfloat16 is the CPU's reduced precision
        raise UsageError(f"--dtype float16 needs a CUDA device (--device {device}); on the CPU use --dtype bfloat16")
    if name == "bfloat16" and cuda and not torch.cuda.is_bf16_supported():
        raise UsageError("--dtype bfloat16: this GPU does not support bfloat16; use --dtype float16 or float32")
    return name
