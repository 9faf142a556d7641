"""Official BAM-DETR / Moment-DETR post-processing: ranked windows in seconds, rounding to clip multiples,
soft-NMS. Kept in plain Python floats where the official code is, so numbers match exactly."""
import math

import torch


def span_cxw_to_xx(spans: torch.Tensor, clamp: bool = True) -> torch.Tensor:
    xx = torch.stack([spans[..., 0] - 0.5 * spans[..., 1], spans[..., 0] + 0.5 * spans[..., 1]], -1)
    return xx.clamp(0, 1) if clamp else xx


def ranked_windows(pred_spans: torch.Tensor, scores: torch.Tensor, duration) -> list[list[float]]:
    """(Q, 2) normalised (center, width) + (Q,) scores -> [[start, end, score], ...] in seconds, sorted by
    the unrounded score (descending, stable), every number rounded to 4 decimals."""
    windows = (span_cxw_to_xx(pred_spans.float()) * duration).clamp(0, duration)
    rows = torch.cat([windows, scores.float()[:, None]], 1).tolist()
    rows = sorted(rows, key=lambda r: r[2], reverse=True)
    return [[float(f"{v:.4f}") for v in row] for row in rows]


def round_to_clips(rows: list, clip_length: float = 2, max_ts: float = 150, min_ts: float = 0) -> list:
    """The official post-processor: clamp to [min_ts, max_ts] seconds, round to multiples of clip_length
    (round-half-to-even, float32), re-round the score to 4 decimals. ``max_ts=None`` disables the clamp
    (tempo's long-video path; the official value is QVHighlights' 150 s)."""
    if not rows:
        return []
    t = torch.tensor(rows)
    windows = t[:, :2].clamp(min=min_ts, max=max_ts) if max_ts is not None else t[:, :2].clamp(min=min_ts)
    windows = torch.round(windows / clip_length) * clip_length
    return [w[:2] + [float(f"{w[2]:.4f}")] for w in torch.cat([windows, t[:, 2:3]], 1).tolist()]


def _hull_iou(a, b) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    hull = max(a[1], b[1]) - min(a[0], b[0])
    return 0 if hull == 0 else 1.0 * inter / hull


def soft_nms(rows: list, nms_thd: float = 0.3, max_after: int = 10, sigma: float = 0.5) -> list:
    """Gaussian soft-NMS as the official ``temporal_nms``: decay scores of windows overlapping the current
    best (IoU over the hull > nms_thd) by exp(-IoU^2 / sigma)."""
    if len(rows) == 1:
        return rows
    rows = sorted(rows, key=lambda r: r[2], reverse=True)
    starts, ends, scores = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    out = []
    while scores and len(out) < max_after:
        best = scores.index(max(scores))
        for i in range(len(scores)):
            if i == best:
                continue
            iou = _hull_iou((starts[best], ends[best]), (starts[i], ends[i]))
            if iou > nms_thd:
                scores[i] *= math.exp(-(iou * iou) / sigma)
        out.append([starts.pop(best), ends.pop(best), scores.pop(best)])
    return out


def official_predictions(outputs: dict, metas: list[dict], clip_length=2, max_ts=150, nms_thd=0.3,
                         max_before_nms=10, max_after_nms=10) -> tuple[list, list]:
    """Model outputs of a batch + per-item meta (qid, query, vid, duration) -> (pre-NMS, NMS) submissions."""
    pre, post = [], []
    valid = outputs["video_mask"].sum(1).tolist()
    saliency = outputs["saliency_scores"].half()
    for i, meta in enumerate(metas):
        rows = ranked_windows(outputs["pred_spans"][i], outputs["pred_quality"][i, :, 0], meta["duration"])
        entry = {"qid": meta["qid"], "query": meta["query"], "vid": meta["vid"],
                 "pred_relevant_windows": round_to_clips(rows, clip_length, max_ts),
                 "pred_saliency_scores": saliency[i, :int(valid[i])].tolist()}
        pre.append(entry)
        post.append({**entry, "pred_relevant_windows": soft_nms(entry["pred_relevant_windows"][:max_before_nms],
                                                                nms_thd, max_after_nms)})
    return pre, post
