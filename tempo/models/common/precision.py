"""The precision a network runs at (``tempo restore --dtype``, ``tempo detect --dtype``), checked against the device
before any work, and the autocast that applies it.

Weights stay float32; a reduced precision is ``torch.autocast`` over the forward pass (matmuls and convolutions in
bfloat16/float16, reductions and norms in float32, as torch's autocast op lists decide), the scheme the official
SeedVR inference uses on the GPU.
"""
from __future__ import annotations

import contextlib

import torch

from tempo.errors import UsageError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_dtype(name: str | None, device: str, gpu_default: str = "float32") -> str:
    """None/"auto": ``gpu_default`` on a CUDA device that runs it, float32 elsewhere; a precision the device cannot
    run is a usage error (one line)."""
    cuda = str(device).startswith("cuda")
    if name in (None, "auto"):
        if cuda and (gpu_default != "bfloat16" or torch.cuda.is_bf16_supported()):
            return gpu_default
        return "float32"
    if name not in DTYPES:
        raise UsageError(f"--dtype {name}: choose one of {', '.join(DTYPES)}")
    if name == "float16" and not cuda:
        # torch's CPU half kernels are slow or missing for many ops; bfloat16 is the CPU's reduced precision
        raise UsageError(f"--dtype float16 needs a CUDA device (--device {device}); on the CPU use --dtype bfloat16")
    if name == "bfloat16" and cuda and not torch.cuda.is_bf16_supported():
        raise UsageError("--dtype bfloat16: this GPU does not support bfloat16; use --dtype float16 or float32")
    return name


def autocast(device, dtype):
    """``torch.autocast`` at ``dtype`` (a name of ``DTYPES`` or a torch dtype) on ``device``'s type; float32 (or
    None): no context at all, so the float32 path is exactly the code that ran before precisions existed."""
    torch_dtype = DTYPES[dtype] if isinstance(dtype, str) else dtype
    if torch_dtype in (None, torch.float32):
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch_dtype)
