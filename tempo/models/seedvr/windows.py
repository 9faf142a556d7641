"""SeedVR 3-D window partitions on the post-patch token grid (regular and shifted).

Window sizes are chosen at a "720p proxy" of the same aspect ratio (reference area 3600 tokens = 45x80)
with a temporal cap, then applied to the real grid; border windows are smaller instead of padded.
Both are config values so small models trained here can window at small sizes.
"""
from __future__ import annotations

import math
from typing import List, Sequence, Tuple

import torch

Window = Tuple[Tuple[int, int], Tuple[int, int], Tuple[int, int]]  # half-open (t, h, w) spans

OFFICIAL_REFERENCE_AREA = 3600
OFFICIAL_TEMPORAL_CAP = 30
REGULAR = "720pwin_by_size_bysize"
SHIFTED = "720pswin_by_size_bysize"


def window_size(size_thw: Sequence[int], num_windows: Sequence[int], reference_area: int = OFFICIAL_REFERENCE_AREA,
                temporal_cap: int = OFFICIAL_TEMPORAL_CAP) -> Tuple[int, int, int]:
    t, h, w = (int(v) for v in size_thw)
    nt, nh, nw = (int(v) for v in num_windows)
    scale = math.sqrt(reference_area / (h * w))
    # Python round() (half to even) on purpose: the official code uses it and it changes some grids.
    rh, rw = round(h * scale), round(w * scale)
    return math.ceil(min(t, temporal_cap) / nt), math.ceil(rh / nh), math.ceil(rw / nw)


def _regular_spans(n: int, s: int) -> List[Tuple[int, int]]:
    return [(a, min(a + s, n)) for a in range(0, n, s)]


def _shifted_spans(n: int, s: int) -> List[Tuple[int, int]]:
    if s >= n:
        return [(0, n)]
    spans = []
    for i in range(math.ceil((n - 0.5) / s) + 1):
        a, b = max(int((i - 0.5) * s), 0), min(int((i + 0.5) * s), n)  # int() truncates toward zero
        if b > a:
            spans.append((a, b))
    return spans


def partition(size_thw: Sequence[int], num_windows: Sequence[int], shifted: bool = False,
              reference_area: int = OFFICIAL_REFERENCE_AREA, temporal_cap: int = OFFICIAL_TEMPORAL_CAP) -> List[Window]:
    """Windows of one grid in the official order: w-index outermost, then h, then t innermost."""
    sizes = window_size(size_thw, num_windows, reference_area, temporal_cap)
    spans_of = _shifted_spans if shifted else _regular_spans
    st, sh, sw = (spans_of(int(n), s) for n, s in zip(size_thw, sizes))
    return [(ts, hs, ws) for ws in sw for hs in sh for ts in st]


def partition_for_method(method: str, size_thw, num_windows, reference_area=OFFICIAL_REFERENCE_AREA,
                         temporal_cap=OFFICIAL_TEMPORAL_CAP) -> List[Window]:
    if method not in (REGULAR, SHIFTED):
        raise ValueError(f"unknown window method {method!r}")
    return partition(size_thw, num_windows, method == SHIFTED, reference_area, temporal_cap)


def window_shape(win: Window) -> Tuple[int, int, int]:
    return tuple(b - a for a, b in win)


def partition_index(size_thw: Sequence[int], windows: Sequence[Window]) -> torch.Tensor:
    """Flat row-major (t, h, w) token index of every token, in window order (the gather into windows)."""
    t, h, w = (int(v) for v in size_thw)
    grid = torch.arange(t * h * w).view(t, h, w)
    return torch.cat([grid[ts[0]:ts[1], hs[0]:hs[1], ws[0]:ws[1]].reshape(-1) for ts, hs, ws in windows])
