"""1-D (soft-)NMS reproducing the official compiled ``nms_1d_cpu`` extension and its ``batched_nms`` wrapper.

Soft-NMS runs as one numba-compiled kernel over all classes (``soft_nms_kernel``); hard NMS and voting are torch.
"""
import numpy as np
import torch

GAUSSIAN, LINEAR, HARD = 2, 1, 0


def soft_nms_grouped(segs, scores, groups, sigma=0.5, iou_threshold=0.1, min_score=0.001, method=GAUSSIAN,
                     max_out=None, global_top=None):
    """Soft-NMS of each group of candidates (``groups``: ``[N]`` ids 0..G-1), all groups in one compiled call.

    Returns (original indices, start, end, score at the pick) of the emitted records: groups in ascending id
    order, each in emission order (the official per-class loop, concatenated). ``max_out``/``global_top``: see
    ``soft_nms_groups``.
    """
    from .soft_nms_kernel import soft_nms_groups  # numba import and JIT cache load only when soft-NMS runs

    # numpy, not torch, for the gathers: torch's parallel index kernels take milliseconds on a loaded machine
    segs, scores, groups = segs.float().numpy(), scores.float().numpy(), groups.numpy()
    order = np.argsort(groups, kind="stable")  # group by group, incoming order kept inside a group
    counts = np.bincount(groups)
    ends = np.cumsum(counts)
    starts = ends - counts
    x1, x2, sc = segs[order, 0], segs[order, 1], scores[order]
    area = x2 - x1 + np.float32(1e-6)  # float32, as the official areas
    ind = order.astype(np.int64)
    emitted = soft_nms_groups(x1, x2, sc, area, ind, starts, ends, np.float32(sigma), np.float32(iou_threshold),
                              np.float32(min_score), int(method), len(ind) if max_out is None else int(max_out),
                              int(global_top or 0))
    take = np.arange(len(ind)) - np.repeat(starts, counts) < np.repeat(emitted, counts)
    return ind[take], x1[take], x2[take], sc[take]


def soft_nms(segs, scores, sigma=0.5, iou_threshold=0.1, min_score=0.001, method=GAUSSIAN):
    """Single-group soft-NMS. Returns (kept original indices, dets ``[K, 3]`` = start, end, decayed score)."""
    if segs.shape[0] == 0:
        return torch.zeros(0, dtype=torch.long), segs.new_zeros(0, 3)
    ind, x1, x2, sc = soft_nms_grouped(segs, scores, torch.zeros(len(scores), dtype=torch.long), sigma,
                                       iou_threshold, min_score, method)
    return torch.from_numpy(ind), torch.from_numpy(np.stack([x1, x2, sc], axis=1))


def hard_nms(segs, scores, iou_threshold):
    """Greedy NMS; returns kept indices in descending score order (official ``nms_1d_cpu.nms``)."""
    if segs.shape[0] == 0:
        return torch.zeros(0, dtype=torch.long)
    order = scores.sort(0, descending=True)[1]
    s = segs[order]
    area = s[:, 1] - s[:, 0] + 1e-6
    keep = torch.ones(len(order), dtype=torch.bool)
    for k in range(len(order)):
        if not keep[k]:
            continue
        inter = (torch.minimum(s[k, 1], s[k + 1:, 1]) - torch.maximum(s[k, 0], s[k + 1:, 0])).clamp(min=0)
        ovr = inter / (area[k] + area[k + 1:] - inter)
        keep[k + 1:] &= ovr < iou_threshold
    return order[keep]


def seg_voting(nms_segs, all_segs, all_scores, iou_threshold):
    """Refine each kept segment as the score-weighted mean of all candidates overlapping it by >= threshold."""
    left = torch.maximum(nms_segs[:, None, 0], all_segs[None, :, 0])
    right = torch.minimum(nms_segs[:, None, 1], all_segs[None, :, 1])
    inter = (right - left).clamp(min=0)
    nms_len = (nms_segs[:, 1] - nms_segs[:, 0])[:, None]
    all_len = (all_segs[:, 1] - all_segs[:, 0])[None, :]
    iou = inter / (nms_len + all_len - inter)
    weights = (iou >= iou_threshold).to(all_scores.dtype) * all_scores[None, :]
    weights /= torch.sum(weights, dim=1, keepdim=True)
    return weights @ all_segs


def batched_nms(segs, scores, labels, iou_threshold, min_score, max_seg_num, use_soft_nms=True,
                multiclass=True, sigma=0.5, voting_thresh=0.75):
    """Official ``batched_nms``: per class (ascending id) or class-agnostic (+ optional voting), then a final
    descending sort truncated to ``max_seg_num``."""
    if segs.shape[0] == 0:
        return torch.zeros(0, 2), torch.zeros(0), torch.zeros(0, dtype=labels.dtype)
    if use_soft_nms:
        if multiclass:
            _, groups = torch.unique(labels, sorted=True, return_inverse=True)
        else:
            groups = torch.zeros(len(labels), dtype=torch.long)
        ind, x1, x2, new_scores = soft_nms_grouped(
            segs, scores, groups, sigma, iou_threshold, min_score, GAUSSIAN,
            max_out=max_seg_num if max_seg_num > 0 else None,
            global_top=max_seg_num if multiclass and max_seg_num > 0 else None)
        new_segs, new_scores = torch.from_numpy(np.stack([x1, x2], axis=1)), torch.from_numpy(new_scores)
        new_labels = torch.from_numpy(labels.numpy()[ind])
    else:
        parts = []
        for cls in (torch.unique(labels) if multiclass else [None]):
            idx = torch.arange(len(labels)) if cls is None else torch.where(labels == cls)[0]
            if min_score > 0:
                idx = idx[scores[idx] > min_score]
            kept = idx[hard_nms(segs[idx], scores[idx], iou_threshold)]
            parts.append(kept[:max_seg_num] if max_seg_num > 0 else kept)
        kept = torch.cat(parts)
        new_segs, new_scores, new_labels = segs[kept], scores[kept], labels[kept]
    if not multiclass and voting_thresh > 0:
        new_segs = seg_voting(new_segs, segs, scores, voting_thresh)
    order = new_scores.sort(descending=True)[1][:min(max_seg_num, new_segs.shape[0])]
    return new_segs[order], new_scores[order], new_labels[order]
