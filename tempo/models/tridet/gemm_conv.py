"""1-D convolutions as one reduced-precision GEMM, for inference under a CPU bfloat16 autocast (``--dtype bfloat16``).

Written by hand because no library runs it this way: under torch's CPU autocast a conv1d goes through oneDNN with a
cast of its weight on every call and a reorder of the output out of oneDNN's blocked layout. Measured at T = 2304,
512 -> 512, kernel 3, 2 threads, a Xeon with AMX: float32 conv 22 ms, autocast conv 39 ms, this (the k shifted
inputs stacked on the channel axis, one bfloat16 matmul with the weight cast once) 2.2 ms.

Used only where it computes what the autocast conv computes (products in bfloat16, float32 accumulation): no grad,
CPU autocast at bfloat16, groups 1, stride 1, no dilation, zero padding. Everywhere else (float32, the parity path;
training; GPUs) the module's own conv runs.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _applies(conv: nn.Conv1d, x: torch.Tensor) -> bool:
    return (x.device.type == "cpu" and not torch.is_grad_enabled() and torch.is_autocast_enabled("cpu")
            and torch.get_autocast_dtype("cpu") == torch.bfloat16 and conv.groups == 1 and conv.stride == (1,)
            and conv.dilation == (1,) and conv.padding_mode == "zeros" and not isinstance(conv.padding, str))


def _gemm_weight(conv: nn.Conv1d, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The weight as ``[out, k * in]`` (column ``i * in + c`` = tap i of input channel c) and the bias as
    ``[out, 1]`` (or None), at ``dtype``, cast once per weight version (an optimiser step or a state-dict load bumps
    it)."""
    key = (conv.weight._version, conv.weight.data_ptr(), dtype)
    cached = conv.__dict__.get("_gemm_weight")
    if cached is None or cached[0] != key:
        out_ch, in_ch, k = conv.weight.shape
        matrix = conv.weight.detach().permute(0, 2, 1).reshape(out_ch, k * in_ch).to(dtype).contiguous()
        bias = None if conv.bias is None else conv.bias.detach().to(dtype)[:, None]
        cached = (key, matrix, bias)
        conv.__dict__["_gemm_weight"] = cached  # a plain attribute: not a parameter, not in the state dict
    return cached[1], cached[2]


def conv1d(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """``conv(x)`` for ``x`` ``[B, C, T]``; as one GEMM where :func:`_applies`, else the module itself."""
    if not _applies(conv, x):
        return conv(x)
    dtype = torch.get_autocast_dtype("cpu")
    weight, bias = _gemm_weight(conv, dtype)
    k, pad = conv.kernel_size[0], conv.padding[0]
    with torch.autocast("cpu", enabled=False):
        x = x.to(dtype)
        if k == 1 and pad == 0:
            cols = x
        else:
            padded = F.pad(x, (pad, pad))
            length = padded.shape[-1] - k + 1
            cols = torch.cat([padded[..., i:i + length] for i in range(k)], dim=1)
        out = torch.matmul(weight, cols)
        return out if bias is None else out + bias
