"""Moment retrieval / highlight detection metrics of the QVHighlights standalone evaluation.

Two variants, both reproducing the official numbers exactly:
- ``"moment_detr"`` (jayleicn/moment_detr ``standalone_eval``): mAP over tIoU 0.5:0.95 per length range,
  R1 at 0.5:0.95, highlight mAP / Hit@1 for "Fair"/"Good"/"VeryGood" (annotator score >= 2/3/4).
- ``"bam"`` (BAM-DETR's variant): no highlight metrics, R1 at 0.5/0.6/0.7 and mIoU of the first window.

Behaviours kept on purpose: mAP uses the first ``max_pred_windows`` windows IN LIST ORDER (then ranks them by
score); R1/mIoU use the first listed window against the ground-truth window it overlaps most, with the "union"
being the hull of the two windows; every number is x100 and rounded to 2 decimals. The greedy detection AP and
the VOC interpolation have no library equivalent (hand-written, numpy); precision/recall follow
scikit-learn's ``precision_recall_curve`` (re-implemented to avoid the dependency).
"""
from __future__ import annotations

import copy
import json
from collections import OrderedDict, defaultdict
from pathlib import Path

import numpy as np

MAP_TIOUS = [float(f"{t:.2f}") for t in np.linspace(0.5, 0.95, 10)]
LENGTH_RANGES = {"hl": [("short", (0, 10)), ("middle", (10, 30)), ("long", (30, 150)), ("full", (0, 150))],
                 "charades": [("short", (0, 10)), ("middle", (10, 30)), ("full", (0, 150))],
                 "anet": [("short", (0, 20)), ("middle", (20, 50)), ("long", (50, 1000)), ("full", (0, 1000))]}
HL_LEVELS = [(2, "Fair"), (3, "Good"), (4, "VeryGood")]


def load_jsonl(path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _r2(x) -> float:
    return float(f"{100 * x:.2f}")


def iou_cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 2) x (M, 2) -> (N, M) true IoU."""
    inter = np.clip(np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    union = (a[:, 1] - a[:, 0])[:, None] + (b[:, 1] - b[:, 0])[None, :] - inter
    return inter / union


def iou_paired_hull(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU with the hull of the two windows as denominator (equals the IoU when they overlap); 0/0 -> 0."""
    inter = np.maximum(0, np.minimum(a[:, 1], b[:, 1]) - np.maximum(a[:, 0], b[:, 0]))
    hull = np.maximum(a[:, 1], b[:, 1]) - np.minimum(a[:, 0], b[:, 0])
    return np.divide(inter, hull, out=np.zeros_like(inter), where=hull != 0)


def _voc_interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    mprec = np.hstack([[0], precision, [0]])
    mrec = np.hstack([[0], recall, [1]])
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    idx = np.where(mrec[1:] != mrec[:-1])[0] + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx]))


def detection_ap(gt_windows: list, pred_windows: list, tious=MAP_TIOUS) -> np.ndarray:
    """AP per tIoU threshold for one query: predictions [st, ed, score] ranked by score (stable), each matched
    greedily to the unmatched GT with the highest IoU >= threshold."""
    ap = np.zeros(len(tious))
    if not pred_windows:
        return ap
    preds = sorted(pred_windows, key=lambda w: -w[2])
    gt = np.array([[w[0], w[1]] for w in gt_windows], dtype=float).reshape(-1, 2)
    locked = np.full((len(tious), len(gt)), -1)
    tp = np.zeros((len(tious), len(preds)))
    fp = np.zeros((len(tious), len(preds)))
    for i, p in enumerate(preds):
        if len(gt) == 0:
            fp[:, i] = 1
            continue
        ious = iou_cross(np.array([[p[0], p[1]]], dtype=float), gt)[0]
        order = ious.argsort()[::-1]
        for t, thr in enumerate(tious):
            for j in order:
                if ious[j] < thr:
                    break
                if locked[t, j] >= 0:
                    continue
                tp[t, i] = 1
                locked[t, j] = i
                break
            if tp[t, i] == 0:
                fp[t, i] = 1
    tp_c, fp_c = np.cumsum(tp, 1), np.cumsum(fp, 1)
    recall = tp_c / float(len(gt))
    precision = tp_c / (tp_c + fp_c)
    return np.array([_voc_interpolated_ap(precision[t], recall[t]) for t in range(len(tious))])


def mr_map(submission, ground_truth, max_pred_windows=10) -> dict:
    preds = defaultdict(list)
    for d in submission:
        preds[d["qid"]].extend(d["pred_relevant_windows"][:max_pred_windows])
    gts = defaultdict(list)
    for d in ground_truth:
        gts[d["qid"]].extend(d["relevant_windows"])
    aps = np.array([detection_ap(gts[q], preds[q]) for q in preds])
    per_thr = aps.mean(0)
    out = {str(t): v for t, v in zip(MAP_TIOUS, per_thr)}
    out["average"] = np.mean(per_thr)
    return {k: _r2(v) for k, v in out.items()}


def mr_r1(submission, ground_truth, tious) -> tuple[dict, float]:
    """R1 at each threshold and mIoU, using each query's first window and its best-overlapping GT window."""
    first = {d["qid"]: d["pred_relevant_windows"][0][:2] for d in submission}
    best_gt = {}
    for d in ground_truth:
        windows = d["relevant_windows"]
        k = 0
        if windows:
            k = int(np.argmax(iou_cross(np.array([first[d["qid"]]]), np.array(windows))[0]))
        best_gt[d["qid"]] = windows[k]
    qids = list(first)
    ious = iou_paired_hull(np.array([first[q] for q in qids], dtype=float),
                           np.array([best_gt[q] for q in qids], dtype=float))
    return {str(t): _r2(np.mean(ious >= t)) for t in tious}, float(np.mean(ious))


def filter_by_length(submission, ground_truth, length_range):
    """Keep GT windows with min < length <= max and the queries that still have one.

    The official code skips this only for the range (0, 150), QVHighlights' "full"; every other range filters,
    ActivityNet's "full" (0, 1000) included: windows of length 0 or over 1000 s are dropped there.
    """
    if tuple(length_range) == (0, 150):
        return submission, ground_truth
    lo, hi = length_range
    gt_kept = []
    for d in ground_truth:
        windows = [w for w in d["relevant_windows"] if lo < w[1] - w[0] <= hi]
        if windows:
            d = copy.deepcopy(d)
            d["relevant_windows"] = windows
            gt_kept.append(d)
    qids = {d["qid"] for d in gt_kept}
    return [copy.deepcopy(d) for d in submission if d["qid"] in qids], gt_kept


def precision_recall_curve(y_true: np.ndarray, y_score: np.ndarray):
    """Same outputs as sklearn.metrics.precision_recall_curve (drop_intermediate=False)."""
    order = np.argsort(y_score, kind="mergesort")[::-1]
    y_score, y_true = y_score[order], y_true[order]
    thresh_idx = np.r_[np.where(np.diff(y_score))[0], y_true.size - 1]
    tps = np.cumsum(y_true)[thresh_idx]
    fps = 1 + thresh_idx - tps
    ps = tps + fps
    precision = np.where(ps != 0, tps / np.where(ps != 0, ps, 1), 0.0)
    recall = tps / tps[-1] if tps[-1] != 0 else np.ones_like(tps, dtype=float)
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def highlight_ap(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Interpolated AP over the distinct recall levels (video2gif's ``get_ap``)."""
    if len(set(y_true.tolist())) == 1:
        return 0.0 if y_true[0] == 0 else 1.0
    precision, recall = precision_recall_curve(y_true, y_score)
    recall = recall.astype(np.float32)
    precision = np.maximum.accumulate(precision)
    return float(np.mean(precision[np.where(np.diff(recall))]))


def gt_clip_scores(gt: dict, clip_length=2) -> np.ndarray:
    scores = np.zeros((int(gt["duration"] / clip_length), 3))
    scores[np.array(gt["relevant_clip_ids"], dtype=int)] = np.array(gt["saliency_scores"])
    return scores


def eval_highlight(submission, ground_truth, clip_length=2) -> dict:
    preds = {d["qid"]: np.asarray(d["pred_saliency_scores"], dtype=float) for d in submission}
    gt_scores = {d["qid"]: gt_clip_scores(d, clip_length) for d in ground_truth}
    out = {}
    for min_score, name in HL_LEVELS:
        hits = np.zeros((len(preds), 3))
        aps = np.zeros((len(preds), 3))
        for i, (qid, pred) in enumerate(preds.items()):
            binary = (gt_scores[qid] >= min_score).astype(float)
            top = int(np.argmax(pred))
            if top < len(binary):
                hits[i] = binary[top]
            y = pred[:len(binary)] if len(pred) >= len(binary) else np.r_[pred, np.zeros(len(binary) - len(pred))]
            for w in range(3):
                aps[i, w] = highlight_ap(binary[:, w], y)
        out[f"HL-min-{name}"] = {"HL-mAP": _r2(np.mean(aps)), "HL-Hit1": _r2(np.mean(hits.max(1)))}
    return out


def evaluate_submission(submission, ground_truth, variant="moment_detr", dataset="hl", match_number=True,
                        clip_length=2) -> dict:
    """Metrics dict laid out like the official output (``brief`` first, then sorted sections)."""
    if variant not in ("moment_detr", "bam"):
        raise ValueError(f"unknown variant {variant!r}")
    pred_qids, gt_qids = {d["qid"] for d in submission}, {d["qid"] for d in ground_truth}
    if match_number:
        if pred_qids != gt_qids:
            raise ValueError("qids of predictions and ground truth differ (use match_number=False to intersect)")
    else:
        shared = pred_qids & gt_qids
        submission = [d for d in submission if d["qid"] in shared]
        ground_truth = [d for d in ground_truth if d["qid"] in shared]

    ranges = LENGTH_RANGES["hl"] if variant == "moment_detr" else LENGTH_RANGES.get(dataset, LENGTH_RANGES["hl"])
    r1_tious = MAP_TIOUS if variant == "moment_detr" else [0.5, 0.6, 0.7]
    metrics, brief = {}, OrderedDict()
    if "pred_relevant_windows" in submission[0]:
        for name, rng in ranges:
            sub, gt = filter_by_length(submission, ground_truth, rng)
            if not gt:  # the official code crashes on an empty range; tempo leaves the range out
                continue
            r1, miou = mr_r1(sub, gt, r1_tious)
            metrics[name] = {"MR-mAP": mr_map(sub, gt), "MR-R1": r1}
            if variant == "bam":
                metrics[name]["MR-mIoU"] = _r2(miou)
        full = metrics["full"]
        short = {"MR-full-mAP": full["MR-mAP"]["average"], "MR-full-mAP@0.5": full["MR-mAP"]["0.5"],
                 "MR-full-mAP@0.75": full["MR-mAP"]["0.75"], "MR-full-R1@0.5": full["MR-R1"]["0.5"],
                 "MR-full-R1@0.7": full["MR-R1"]["0.7"]}
        if variant == "moment_detr":
            short.update({f"MR-{n}-mAP": metrics[n]["MR-mAP"]["average"] for n in ("short", "middle", "long")
                          if n in metrics})
        else:
            short["MR-full-mIoU"] = full["MR-mIoU"]
        brief.update(sorted(short.items()))
    if variant == "moment_detr" and "pred_saliency_scores" in submission[0]:
        hl = eval_highlight(submission, ground_truth, clip_length)
        metrics.update(hl)
        brief.update({f"{k}-{sub.split('-')[1]}": v[sub] for k, v in hl.items() for sub in v})
    out = OrderedDict(brief=brief)
    out.update(sorted(metrics.items()))
    return out


def evaluate_files(pred_path, gt_path, variant="moment_detr", dataset="hl", match_number=True) -> dict:
    return evaluate_submission(load_jsonl(Path(pred_path)), load_jsonl(Path(gt_path)), variant, dataset, match_number)


def _register_metric():
    """mmengine evaluator wrapper (``val_evaluator = dict(type="TempoGroundingMetric", ann_file=...)``): collects
    the submissions a grounding model's ``predict`` returns and reports the ``brief`` metrics."""
    from mmengine.evaluator import BaseMetric
    from mmengine.registry import METRICS

    @METRICS.register_module(name="TempoGroundingMetric", force=True)
    class TempoGroundingMetric(BaseMetric):
        default_prefix = "grounding"

        def __init__(self, ann_file, variant="bam", dataset="hl", match_number=False, **kwargs):
            super().__init__(**kwargs)
            self.ann_file, self.variant, self.dataset, self.match_number = ann_file, variant, dataset, match_number

        def process(self, data_batch, data_samples):
            self.results.extend(data_samples)

        def compute_metrics(self, results):
            gt = load_jsonl(self.ann_file)
            metrics = evaluate_submission(results, gt, self.variant, self.dataset, self.match_number)
            return dict(metrics["brief"])

    return TempoGroundingMetric


TempoGroundingMetric = _register_metric()
