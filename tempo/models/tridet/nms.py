"""1-D (soft-)NMS in plain PyTorch, reproducing the official compiled ``nms_1d_cpu`` extension.

Soft-NMS is sequential by nature (each pick decays the rest), so the outer loop runs once per emitted segment;
everything inside a step is vectorised, and all classes of a multiclass call run together as rows of one batch.
No library offers this exact kernel (swap-with-last deletion decides later tie-breaks), hence hand-written.
"""
import torch

GAUSSIAN, LINEAR, HARD = 2, 1, 0


def _pad_groups(segs, scores, groups):
    """Scatter candidates into ``[G, N]`` rows (one per group), keeping their incoming order."""
    counts = torch.bincount(groups)
    num_groups, width = counts.shape[0], int(counts.max())
    start = torch.cumsum(counts, 0) - counts
    order = torch.argsort(groups, stable=True)
    col = torch.arange(len(groups)) - start[groups[order]]
    x1 = segs.new_zeros(num_groups, width)
    x2 = segs.new_zeros(num_groups, width)
    sc = scores.new_full((num_groups, width), float("-inf"))
    ind = torch.zeros(num_groups, width, dtype=torch.long)
    row = groups[order]
    x1[row, col], x2[row, col] = segs[order, 0], segs[order, 1]
    sc[row, col] = scores[order]
    ind[row, col] = order
    return x1, x2, sc, ind, counts


def soft_nms_rows(x1, x2, sc, ind, counts, sigma=0.5, iou_threshold=0.1, min_score=0.001, method=GAUSSIAN,
                  max_out=None, global_top=None):
    """Soft-NMS on each row of ``[G, N]`` arrays (in place). Row g holds ``counts[g]`` live candidates.

    Returns the number of emitted records per row; row g's first ``n[g]`` entries are the emitted records in
    emission order (segment, decayed score, original index). ``max_out`` stops a row after that many picks
    (later picks never change earlier ones). ``global_top = K`` (multiclass batched NMS keeps only the K best
    records of all rows) stops a row once its best remaining score is below the K-th best record emitted so
    far: a row emits non-increasing scores, so nothing it could still emit would survive the final cut.
    """
    full = [x1, x2, sc, x2 - x1 + 1e-6, ind]
    n_full = counts.clone()
    limit = x1.shape[1] if max_out is None else max_out
    rows = torch.arange(x1.shape[0])  # rows still being worked on ...
    col0 = 0  # ... and the first column of the working copy (columns before it are final)
    work = [a.clone() for a in full]
    n = n_full.clone()
    i = 0
    while True:
        active = torch.clamp(n, max=limit) > i
        num_active = int(active.sum())
        if global_top is not None and i > col0 and (i - col0) % 32 == 0 and num_active > 0:
            _stop_hopeless_rows(full, work, n, n_full, col0, i, limit, global_top)
            active = torch.clamp(n, max=limit) > i
            num_active = int(active.sum())
        if num_active < len(rows) or i - col0 >= 256:
            # Keep the per-step work proportional to what is left: write back, drop finished rows / columns.
            for a, w in zip(full, work):
                a[rows, col0:col0 + w.shape[1]] = w
            n_full[rows] = n
            if num_active == 0:
                break
            rows, n = rows[active], n[active]
            col0 = i
            hi = int(n.max())
            work = [a[rows, col0:hi].clone() for a in full]
            active = torch.ones(len(rows), dtype=torch.bool)
        _soft_nms_step(work, n, i - col0, col0, active, sigma, iou_threshold, min_score, method)
        i += 1
    return torch.clamp(n_full, max=limit)


def _stop_hopeless_rows(full, work, n, n_full, col0, i, limit, k):
    """Truncate (set n = i) working rows whose best remaining score is below the k-th best emitted record."""
    sc_full, sc_work = full[2], work[2]
    cols_full = torch.arange(sc_full.shape[1])[None, :]
    cols_work = torch.arange(sc_work.shape[1])[None, :]
    # Emitted records: columns < col0 of ``full`` (final there), then this pass's picks in ``work``.
    done_full = torch.clamp(torch.clamp(n_full, max=limit), max=col0)
    done_work = torch.clamp(torch.clamp(n, max=limit) - col0, max=i - col0)
    scores = torch.cat([sc_full[cols_full < done_full[:, None]], sc_work[cols_work < done_work[:, None]]])
    if scores.numel() < k:
        return
    kth = torch.topk(scores, k).values[-1]
    remaining = (cols_work >= i - col0) & (cols_work < (n - col0)[:, None])
    best_left = torch.where(remaining, sc_work, float("-inf")).max(dim=1).values
    n.copy_(torch.where((best_left < kth) & (n > i), torch.full_like(n, i), n))


def _soft_nms_step(work, n, li, col0, active, sigma, iou_threshold, min_score, method):
    """One pick per row: emit the best remaining record at local column ``li``, decay the rest, delete the ones
    that fall below ``min_score`` the way the official kernel does (swap with the last live record)."""
    x1, x2, sc, area, ind = work
    num_rows = sc.shape[0]
    rows = torch.arange(num_rows)
    hi = min(int(n.max()) - col0, sc.shape[1])
    win = [a[:, li:hi] for a in work]
    pos = torch.arange(li, hi)
    live = pos[None, :] < (n - col0)[:, None]
    # Pick the max score; ties go to the earliest position in the current arrangement.
    best = torch.where(live, win[2], float("-inf")).argmax(dim=1) + li
    best = torch.where(active, best, torch.full_like(best, li))
    for a in work:
        picked = a[rows, best].clone()
        a[rows, best] = a[:, li].clone()
        a[:, li] = picked
    # Decay every later live candidate once.
    later = live & (pos[None, :] > li) & active[:, None]
    inter = (torch.minimum(x2[:, li, None], win[1]) - torch.maximum(x1[:, li, None], win[0])).clamp(min=0)
    ovr = inter / (area[:, li, None] + win[3] - inter)
    if method == GAUSSIAN:
        weight = torch.exp(-(ovr * ovr) / sigma)
    elif method == LINEAR:
        weight = torch.where(ovr >= iou_threshold, 1 - ovr, torch.ones_like(ovr))
    else:
        weight = torch.where(ovr >= iou_threshold, torch.zeros_like(ovr), torch.ones_like(ovr))
    win[2].copy_(torch.where(later, win[2] * weight, win[2]))
    dead = later & (win[2] < min_score)
    if not bool(dead.any()):
        return
    survivors = later & ~dead
    keep = survivors.sum(dim=1)  # live records after the pick
    front = pos[None, :] <= (li + keep)[:, None]
    holes = dead & front
    if bool(holes.any()):
        # The official kernel fills each deleted slot with the LAST live record: the k-th hole from the left
        # receives the k-th surviving tail record from the right.
        tail = survivors & ~front
        width = hi - li
        local = torch.arange(width + 1)[None, :].expand(num_rows, -1)
        spare = torch.full_like(holes, width, dtype=torch.long)  # writes to a spare column are dropped
        hole_rank = torch.cumsum(holes.long(), 1) - 1
        hole_pos = local.clone()
        hole_pos.scatter_(1, torch.where(holes, hole_rank, spare), torch.where(holes, local[:, :-1], spare))
        tail_rank = torch.flip(torch.cumsum(torch.flip(tail.long(), [1]), 1), [1]) - 1
        dest = hole_pos.gather(1, torch.where(tail, tail_rank, spare))
        perm = local.clone()
        perm.scatter_(1, torch.where(tail, dest, spare), torch.where(tail, local[:, :-1], spare))
        perm = perm[:, :-1]
        for a in win:
            a.copy_(a.gather(1, perm))
    n.copy_(torch.where(active, col0 + li + 1 + keep, n))


def soft_nms(segs, scores, sigma=0.5, iou_threshold=0.1, min_score=0.001, method=GAUSSIAN):
    """Single-group soft-NMS. Returns (kept original indices, dets ``[K, 3]`` = start, end, decayed score)."""
    if segs.shape[0] == 0:
        return torch.zeros(0, dtype=torch.long), segs.new_zeros(0, 3)
    x1, x2, sc, ind, counts = _pad_groups(segs.float(), scores.float(), torch.zeros(len(scores), dtype=torch.long))
    n = int(soft_nms_rows(x1, x2, sc, ind, counts, sigma, iou_threshold, min_score, method)[0])
    return ind[0, :n], torch.stack([x1[0, :n], x2[0, :n], sc[0, :n]], dim=1)


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
            classes, groups = torch.unique(labels, sorted=True, return_inverse=True)
        else:
            groups = torch.zeros(len(labels), dtype=torch.long)
        x1, x2, sc, ind, counts = _pad_groups(segs.float(), scores.float(), groups)
        n = soft_nms_rows(x1, x2, sc, ind, counts, sigma, iou_threshold, min_score, GAUSSIAN,
                          max_out=max_seg_num if max_seg_num > 0 else None,
                          global_top=max_seg_num if multiclass and max_seg_num > 0 else None)
        take = torch.arange(x1.shape[1])[None, :] < n[:, None]
        new_segs = torch.stack([x1[take], x2[take]], dim=1)
        new_scores = sc[take]
        new_labels = labels[ind[take]]
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
