"""The official ``nms_1d_cpu.softnms`` kernel, compiled by numba.

Soft-NMS is sequential (each pick decays the rest, and the swap-with-last deletion decides later tie-breaks), so
there is no vectorised library equivalent; run as Python or tiny torch ops it costs ~10x the official C++.
Hand-written loops compiled by numba give C speed without a compiled extension of our own. Every value is float32,
in the official operation order (``x2 - x1 + 1e-6`` areas come from the caller, computed the official way).
"""
import numpy as np
from numba import njit

GAUSSIAN, LINEAR, HARD = 2, 1, 0


def _jit(fn):
    try:
        return njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache location (read-only install): compile on first use instead
        return njit(nogil=True)(fn)


@_jit
def _heap_push(heap, size, value, capacity):
    """Min-heap of the ``capacity`` largest values pushed so far; returns the new size."""
    if size == capacity:
        if value <= heap[0]:
            return size
        k = 0  # replace the root, sift down
        while True:
            child = 2 * k + 1
            if child >= size:
                break
            if child + 1 < size and heap[child + 1] < heap[child]:
                child += 1
            if heap[child] >= value:
                break
            heap[k] = heap[child]
            k = child
        heap[k] = value
        return size
    k = size  # append, sift up
    while k > 0:
        parent = (k - 1) // 2
        if heap[parent] <= value:
            break
        heap[k] = heap[parent]
        k = parent
    heap[k] = value
    return size + 1


@_jit
def soft_nms_groups(x1, x2, sc, area, ind, starts, ends, sigma, iou_threshold, min_score, method, max_out,
                    global_top):
    """Soft-NMS on each group g = records ``[starts[g], ends[g])`` (in their incoming order), in place.

    Afterwards group g's first ``emitted[g]`` records are its picks in emission order (segment, score at the
    pick, original index); the returned array is ``emitted``. ``max_out`` stops a group after that many picks
    (later picks never change earlier ones). ``global_top = K > 0`` (multiclass NMS keeps only the K best picks
    of all groups) stops a group once its best remaining score is below the K-th best pick so far: a group picks
    non-increasing scores, so nothing it could still pick would survive that cut. Groups take turns, one pick
    each, so the K-th best rises early.
    """
    num_groups = starts.shape[0]
    zero, one = np.float32(0.0), np.float32(1.0)
    live_end = ends.copy()
    nxt = starts.copy()
    emitted = np.zeros(num_groups, np.int64)
    active = np.ones(num_groups, np.bool_)
    picked = np.full(num_groups, -1, np.int64)  # the group's next pick, once known
    heap = np.empty(max(global_top, 1), np.float32)
    heap_size = 0
    remaining = num_groups
    while remaining > 0:
        for g in range(num_groups):
            if not active[g]:
                continue
            i, end = nxt[g], live_end[g]
            if i >= end or emitted[g] >= max_out:
                active[g] = False
                remaining -= 1
                continue
            if picked[g] < 0:  # first pick of the group: scan; later picks come from the previous decay pass
                best, best_score = i, sc[i]
                for p in range(i + 1, end):
                    if best_score < sc[p]:
                        best, best_score = p, sc[p]
            else:
                best = picked[g]
                best_score = sc[best]
            if global_top > 0 and heap_size == global_top and best_score < heap[0]:
                active[g] = False
                remaining -= 1
                continue
            x1[i], x1[best] = x1[best], x1[i]
            x2[i], x2[best] = x2[best], x2[i]
            sc[i], sc[best] = sc[best], sc[i]
            area[i], area[best] = area[best], area[i]
            ind[i], ind[best] = ind[best], ind[i]
            if global_top > 0:
                heap_size = _heap_push(heap, heap_size, best_score, global_top)
            # Decay every later record once; one that falls below min_score is replaced by the last live record.
            # Positions become final in increasing order, so a strictly-greater running max over them is the next
            # pick with the official tie rule (earliest position of the arrangement after the deletions).
            next_best, next_score = -1, zero
            p = i + 1
            while p < end:
                inter = max(zero, min(x2[i], x2[p]) - max(x1[i], x1[p]))
                ovr = inter / (area[i] + area[p] - inter)
                if method == GAUSSIAN:
                    if ovr != zero:  # exp(-0) is exactly 1: disjoint records keep their score
                        sc[p] = sc[p] * np.exp(-(ovr * ovr) / sigma)
                elif method == LINEAR:
                    sc[p] = sc[p] * (one - ovr if ovr >= iou_threshold else one)
                else:
                    sc[p] = sc[p] * (zero if ovr >= iou_threshold else one)
                if sc[p] < min_score:
                    end -= 1
                    x1[p], x2[p], sc[p], area[p], ind[p] = x1[end], x2[end], sc[end], area[end], ind[end]
                else:
                    if next_best < 0 or next_score < sc[p]:
                        next_best, next_score = p, sc[p]
                    p += 1
            picked[g] = next_best
            live_end[g] = end
            nxt[g] = i + 1
            emitted[g] += 1
    return emitted
