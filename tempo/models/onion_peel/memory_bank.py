"""Which reference frames each frame reads, with a bank of at most K memory frames.

The official video demo encodes a memory frame every N frames over the WHOLE video and lets each frame
read all of them (but itself); memory then grows with video length. Here frame f reads the K memory
frames nearest to it (ties to the earlier one), which is the demo's choice whenever K covers them all.
"""
from __future__ import annotations

import bisect


def memory_indices(num_frames: int, mem_every: int) -> list[int]:
    return list(range(0, num_frames, mem_every))


def select_memory(frame: int, midx: list[int], k: int | None) -> list[int]:
    """The (at most k) memory frames nearest to ``frame``, excluding itself, in ascending order."""
    if k is None or len(midx) - (frame in midx) <= k:
        return [m for m in midx if m != frame]
    # Two pointers outward from the insertion point: O(k) per frame on long videos.
    right = bisect.bisect_left(midx, frame)
    left = right - 1
    if right < len(midx) and midx[right] == frame:
        right += 1
    chosen = []
    while len(chosen) < k:
        take_left = left >= 0 and (right >= len(midx) or frame - midx[left] <= midx[right] - frame)
        if take_left:
            chosen.append(midx[left])
            left -= 1
        else:
            chosen.append(midx[right])
            right += 1
    return sorted(chosen)


def last_use(num_frames: int, midx: list[int], k: int | None) -> dict[int, int]:
    """For every memory frame, the last frame that reads it (-1 if none): when it may leave the bank."""
    last = {m: -1 for m in midx}
    for f in range(num_frames):
        for m in select_memory(f, midx, k):
            last[m] = f
    return last
