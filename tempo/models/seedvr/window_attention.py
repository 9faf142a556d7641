"""Window attention with text tokens appended to every window, on one sample's tokens.

Each window's sequence is [its video tokens (row-major inside the window) | all text tokens of the
sample]; video outputs go back to their positions, the text output is the mean over the windows.
Windows of equal shape are stacked and run as one batched ``scaled_dot_product_attention`` call:
no padding and no masks, since every sequence in a group has the same length.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import torch
import torch.nn.functional as F

from .rope import WindowRoPE
from .windows import Window, window_shape


def _group_by_shape(windows: Sequence[Window]):
    groups = defaultdict(list)
    for win in windows:
        groups[window_shape(win)].append(win)
    return groups


def _window_indices(grid: torch.Tensor, windows: Sequence[Window]) -> torch.Tensor:
    return torch.stack([grid[t0:t1, h0:h1, w0:w1].reshape(-1) for (t0, t1), (h0, h1), (w0, w1) in windows])


def window_attention(q_vid, k_vid, v_vid, q_txt, k_txt, v_txt, grid_thw, windows: Sequence[Window],
                     rope: WindowRoPE | None, txt_qk_rotated=None):
    """q/k/v_vid (T*H*W, heads, d) row-major over ``grid_thw``; q/k/v_txt (L, heads, d).
    ``txt_qk_rotated``: already-rotated text (q, k) to use instead (the official 3B packing quirk).
    Returns (vid_out like v_vid, txt_out like v_txt)."""
    t, h, w = (int(v) for v in grid_thw)
    txt_len = q_txt.shape[0]
    grid = torch.arange(t * h * w, device=q_vid.device).view(t, h, w)
    txt_angles = WindowRoPE.cos_sin(rope.text_angles(txt_len, q_vid.device)) if rope is not None else None
    if txt_qk_rotated is not None:
        q_txt, k_txt = txt_qk_rotated
    else:
        q_txt, k_txt = WindowRoPE.rotate(q_txt, txt_angles), WindowRoPE.rotate(k_txt, txt_angles)
    vid_out = torch.empty_like(v_vid)
    txt_sum = torch.zeros_like(v_txt)
    for shape, wins in _group_by_shape(windows).items():
        idx = _window_indices(grid, wins)  # (n_win, N)
        n_win, n_tok = idx.shape
        angles = WindowRoPE.cos_sin(rope.video_angles(shape, txt_len, q_vid.device)) if rope is not None else None
        q = WindowRoPE.rotate(q_vid[idx], angles)
        k = WindowRoPE.rotate(k_vid[idx], angles)
        v = v_vid[idx]

        def with_text(x, x_txt):  # (n, N, heads, d) -> (n, heads, N+L, d)
            return torch.cat([x, x_txt.expand(n_win, *x_txt.shape)], dim=1).transpose(1, 2)

        out = F.scaled_dot_product_attention(with_text(q, q_txt), with_text(k, k_txt), with_text(v, v_txt))
        out = out.transpose(1, 2)  # (n, N+L, heads, d)
        vid_out[idx.reshape(-1)] = out[:, :n_tok].reshape(-1, *out.shape[2:])
        txt_sum += out[:, n_tok:].sum(0)
    return vid_out, txt_sum / len(windows)


def window_attention_naive(q_vid, k_vid, v_vid, q_txt, k_txt, v_txt, grid_thw, windows, rope):
    """Reference: one window at a time with an explicit float32 softmax (used by tests and benchmarks)."""
    t, h, w = (int(v) for v in grid_thw)
    grid = torch.arange(t * h * w).view(t, h, w)
    txt_len = q_txt.shape[0]
    txt_angles = rope.text_angles(txt_len) if rope is not None else None
    qt, kt = WindowRoPE.rotate(q_txt, txt_angles), WindowRoPE.rotate(k_txt, txt_angles)
    vid_out = torch.empty_like(v_vid)
    txt_sum = torch.zeros_like(v_txt)
    for win in windows:
        idx = _window_indices(grid, [win])[0]
        angles = rope.video_angles(window_shape(win), txt_len) if rope is not None else None
        q = torch.cat([WindowRoPE.rotate(q_vid[idx], angles), qt]).transpose(0, 1)
        k = torch.cat([WindowRoPE.rotate(k_vid[idx], angles), kt]).transpose(0, 1)
        v = torch.cat([v_vid[idx], v_txt]).transpose(0, 1)
        acc = torch.promote_types(q.dtype, torch.float32)  # float32, or float64 for float64 inputs
        attn = torch.softmax(q.to(acc) @ k.to(acc).transpose(-1, -2) / q.shape[-1] ** 0.5, dim=-1)
        out = (attn @ v.to(acc)).to(v.dtype).transpose(0, 1)
        vid_out[idx] = out[: idx.numel()]
        txt_sum += out[idx.numel():]
    return vid_out, txt_sum / len(windows)
