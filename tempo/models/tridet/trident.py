"""Trident-head decoding: boundary logits in a window of ``num_bins + 1`` neighbours plus the centre-offset logits
give a distribution over distances; its expectation is the predicted (left, right) distance in level strides."""
import torch
import torch.nn.functional as F


def boundary_windows(start_logits: torch.Tensor, end_logits: torch.Tensor, num_bins: int):
    """``[..., C, T]`` -> windows ``[..., C, T, num_bins + 1]``.

    start window j of point i reads start[i - num_bins + j], end window reads end[i + j]; indices outside the
    (padded) sequence read 0.
    """
    start = F.pad(start_logits, (num_bins, 0)).unfold(-1, num_bins + 1, 1)
    end = F.pad(end_logits, (0, num_bins)).unfold(-1, num_bins + 1, 1)
    return start, end


def expected_distances(start_win: torch.Tensor, end_win: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Expected (left, right) distances.

    start_win / end_win: ``[..., T, C, nb+1]``; offsets: ``[..., T, 2*(nb+1)]`` (start bins then end bins).
    Returns ``[..., T, C, 2]``.
    """
    nb1 = start_win.shape[-1]
    offsets = offsets.reshape(offsets.shape[:-1] + (2, nb1)).unsqueeze(-3)  # [..., T, 1, 2, nb+1]
    p_left = torch.softmax(start_win + offsets[..., 0, :], dim=-1)
    p_right = torch.softmax(end_win + offsets[..., 1, :], dim=-1)
    # Official guard: both distributions are zeroed where the RIGHT one is NaN.
    nan = torch.isnan(p_right)
    p_left = p_left.masked_fill(nan, 0)
    p_right = p_right.masked_fill(nan, 0)
    left_idx = torch.arange(nb1 - 1, -1, -1, dtype=torch.float, device=offsets.device).unsqueeze(-1)
    right_idx = torch.arange(nb1, dtype=torch.float, device=offsets.device).unsqueeze(-1)
    return torch.cat([p_left @ left_idx, p_right @ right_idx], dim=-1)


def decode_level(start_logits, end_logits, offsets, num_bins: int) -> torch.Tensor:
    """One level, channels-first heads: start/end ``[B, C, T]``, offsets ``[B, 2(nb+1), T]`` -> ``[B, T, C, 2]``."""
    start_win, end_win = boundary_windows(start_logits, end_logits, num_bins)
    return expected_distances(start_win.transpose(-3, -2), end_win.transpose(-3, -2), offsets.transpose(-1, -2))
