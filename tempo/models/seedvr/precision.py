"""The precision SeedVR runs at (``tempo restore --dtype``), checked against the device before any work.

The official inference scripts (projects/inference_seedvr{,2}_{3b,7b}.py) run the DiT under
``torch.autocast("cuda", torch.bfloat16)`` and cast the VAE's weights and inputs to the config's
``vae.dtype: bfloat16``; nothing of theirs runs in float16. tempo therefore defaults to bfloat16 on CUDA and
to float32 on the CPU (the parity tests' precision). The checks themselves are shared
(``tempo.models.common.precision``: ``tempo detect --dtype`` uses them too).
"""
from __future__ import annotations

from tempo.models.common.precision import DTYPES, resolve_dtype as _resolve

__all__ = ["DTYPES", "OFFICIAL_GPU_DTYPE", "resolve_dtype"]

OFFICIAL_GPU_DTYPE = "bfloat16"


def resolve_dtype(name: str | None, device: str) -> str:
    """None/"auto": bfloat16 on CUDA (the official), float32 elsewhere; a precision the device cannot run is a
    usage error (one line)."""
    return _resolve(name, device, gpu_default=OFFICIAL_GPU_DTYPE)
