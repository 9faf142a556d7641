"""ActivityNet-style temporal action detection mAP (as in ActionFormer / TriDet ``ANETdetection``).

Per class and tIoU threshold: predictions ranked by descending score, each matched to the unmatched ground truth
of its video with the highest tIoU (>= threshold, equality matches), VOC-2011 interpolated AP; mAP = mean over the
classes present in the ground truth. Sequential greedy matching has no library equivalent, hence hand-written
(numpy, no pandas).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

THUMOS_TIOUS = np.linspace(0.3, 0.7, 5)
ANET_TIOUS = np.linspace(0.5, 0.95, 10)
TIE_BREAKS = ("earlier_row_first", "later_row_first", "numpy_default")


@dataclass
class Segments:
    """A flat table of segments (ground truth or predictions); ``score`` is None for ground truth."""

    video: list = field(default_factory=list)
    start: np.ndarray = None
    end: np.ndarray = None
    label: np.ndarray = None
    score: np.ndarray = None

    def __len__(self):
        return len(self.video)


def remove_duplicate_annotations(annotations, tol=1e-3):
    """Drop an annotation when an earlier kept one has the same label_id and both boundaries within ``tol``."""
    kept = []
    for ann in annotations:
        s, e, lab = ann["segment"][0], ann["segment"][1], ann["label_id"]
        if not any(abs(s - k["segment"][0]) <= tol and abs(e - k["segment"][1]) <= tol and lab == k["label_id"]
                   for k in kept):
            kept.append(ann)
    return kept


def load_ground_truth(gt, split: str | None = "test") -> Segments:
    """``gt``: path or dict in the THUMOS/ActivityNet layout (``database`` -> video -> subset, annotations)."""
    if not isinstance(gt, dict):
        gt = json.loads(Path(gt).read_text(encoding="utf8"))
    video, start, end, label = [], [], [], []
    for vid, entry in gt["database"].items():
        if split is not None and entry["subset"].lower() != split:
            continue
        for ann in remove_duplicate_annotations(entry.get("annotations", [])):
            video.append(vid)
            start.append(float(ann["segment"][0]))
            end.append(float(ann["segment"][1]))
            label.append(int(ann["label_id"]))
    return Segments(video, np.asarray(start, float), np.asarray(end, float), np.asarray(label, np.int64))


def load_predictions_csv(path) -> Segments:
    """CSV with columns ``video-id,t-start,t-end,label,score`` (label = label_id)."""
    with open(path, newline="", encoding="utf8") as f:
        rows = list(csv.DictReader(f))
    return Segments([r["video-id"] for r in rows], np.asarray([float(r["t-start"]) for r in rows]),
                    np.asarray([float(r["t-end"]) for r in rows]), np.asarray([int(r["label"]) for r in rows]),
                    np.asarray([float(r["score"]) for r in rows]))


def load_predictions_json(path_or_dict) -> Segments:
    """``{"database": {video: [{"segment": [s, e], "label_id": int, "scores": float}]}}``."""
    db = path_or_dict if isinstance(path_or_dict, dict) else json.loads(Path(path_or_dict).read_text("utf8"))
    video, start, end, label, score = [], [], [], [], []
    for vid, dets in db["database"].items():
        for d in dets:
            video.append(vid)
            start.append(float(d["segment"][0]))
            end.append(float(d["segment"][1]))
            label.append(int(d["label_id"]))
            score.append(float(d["scores"]))
    return Segments(video, np.asarray(start, float), np.asarray(end, float), np.asarray(label, np.int64),
                    np.asarray(score, float))


def predictions_from_detections(detections) -> Segments:
    """List of dicts (``video``, ``start``, ``end``, ``label`` (int id), ``score``) -> Segments."""
    return Segments([d["video"] for d in detections], np.asarray([d["start"] for d in detections], float),
                    np.asarray([d["end"] for d in detections], float),
                    np.asarray([d["label"] for d in detections], np.int64),
                    np.asarray([d["score"] for d in detections], float))


def segment_iou(target, candidates: np.ndarray) -> np.ndarray:
    """tIoU (float64) of one ``[start, end]`` against ``[N, 2]`` candidates."""
    inter = (np.minimum(target[1], candidates[:, 1]) - np.maximum(target[0], candidates[:, 0])).clip(0)
    union = (candidates[:, 1] - candidates[:, 0]) + (target[1] - target[0]) - inter
    return inter.astype(float) / union


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """VOC-2011 AP: precision envelope (non-increasing from the right) summed where recall changes."""
    mprec = np.hstack([[0], precision, [0]])
    mrec = np.hstack([[0], recall, [1]])
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    idx = np.where(mrec[1:] != mrec[:-1])[0] + 1
    return np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx])


def rank_by_score(scores: np.ndarray, tie_break: str = "earlier_row_first") -> np.ndarray:
    """Descending order (of prediction scores, and of a prediction's tIoUs with its video's ground truth).

    The official code reverses NumPy's default argsort for both, and that sort is not stable (SIMD sorts on
    AVX2/AVX-512 CPUs reorder equal values from 4 elements on), so its tie order depends on the CPU and NumPy build;
    ``numpy_default`` makes the very same call (the official numbers on this machine), the two explicit
    conventions are portable."""
    if tie_break == "earlier_row_first":
        return np.argsort(-scores, kind="stable")
    if tie_break == "later_row_first":
        return np.argsort(scores, kind="stable")[::-1]
    if tie_break == "numpy_default":
        return scores.argsort()[::-1]
    raise ValueError(f"tie_break must be one of {TIE_BREAKS}")


def class_average_precision(gt_video, gt_segs, pred_video, pred_segs, pred_scores, thresholds,
                            tie_break="earlier_row_first") -> np.ndarray:
    """AP per threshold for one class."""
    ap = np.zeros(len(thresholds))
    if len(pred_scores) == 0:
        return ap
    npos = float(len(gt_video))
    gt_by_video: dict[str, np.ndarray] = {}
    for i, vid in enumerate(gt_video):
        gt_by_video.setdefault(vid, []).append(i)
    gt_by_video = {k: np.asarray(v) for k, v in gt_by_video.items()}
    order = rank_by_score(pred_scores, tie_break)
    locked = np.full((len(thresholds), len(gt_video)), False)
    tp = np.zeros((len(thresholds), len(order)))
    fp = np.zeros((len(thresholds), len(order)))
    for rank, p in enumerate(order):
        gt_idx = gt_by_video.get(pred_video[p])
        if gt_idx is None:
            fp[:, rank] = 1
            continue
        tiou = segment_iou(pred_segs[p], gt_segs[gt_idx])
        by_iou = rank_by_score(tiou, tie_break)  # equal tIoUs: the same tie rule as equal scores
        for t, thr in enumerate(thresholds):
            for j in by_iou:
                if tiou[j] < thr:
                    break
                if locked[t, gt_idx[j]]:
                    continue
                tp[t, rank] = 1
                locked[t, gt_idx[j]] = True
                break
            fp[t, rank] = 1 - tp[t, rank]
    tp_cum = np.cumsum(tp, axis=1).astype(float)
    fp_cum = np.cumsum(fp, axis=1).astype(float)
    recall = tp_cum / npos if npos > 0 else np.zeros_like(tp_cum)
    precision = tp_cum / (tp_cum + fp_cum)
    for t in range(len(thresholds)):
        ap[t] = interpolated_ap(precision[t], recall[t])
    return ap


def evaluate_detection(ground_truth: Segments, predictions: Segments, tiou_thresholds=THUMOS_TIOUS,
                       tie_break: str = "earlier_row_first") -> dict:
    """mAP per threshold, average mAP and AP per class (keyed by the original label_id)."""
    thresholds = np.asarray(tiou_thresholds, float)
    classes = sorted(set(ground_truth.label.tolist()))
    activity_index = {c: i for i, c in enumerate(classes)}
    # Official quirk kept: prediction label ids absent from the ground truth are left unmapped.
    gt_label = np.asarray([activity_index[c] for c in ground_truth.label.tolist()], np.int64)
    pred_label = np.asarray([activity_index.get(c, c) for c in predictions.label.tolist()], np.int64)
    nonzero = ground_truth.start != ground_truth.end  # zero-length GT rows are dropped
    gt_video = np.asarray(ground_truth.video, dtype=object)
    pred_video = np.asarray(predictions.video, dtype=object)
    gt_segs = np.stack([ground_truth.start, ground_truth.end], 1) if len(ground_truth) else np.zeros((0, 2))
    pred_segs = np.stack([predictions.start, predictions.end], 1) if len(predictions) else np.zeros((0, 2))
    ap = np.zeros((len(thresholds), len(classes)))
    n_gt = 0
    for cidx in range(len(classes)):
        g = np.where((gt_label == cidx) & nonzero)[0]
        p = np.where(pred_label == cidx)[0]
        n_gt += len(g)
        ap[:, cidx] = class_average_precision(list(gt_video[g]), gt_segs[g], list(pred_video[p]), pred_segs[p],
                                              predictions.score[p], thresholds, tie_break)
    mAP = ap.mean(axis=1)
    return {"tiou_thresholds": thresholds.tolist(), "mAP": mAP.tolist(), "average_mAP": float(mAP.mean()),
            "ap_per_class": {int(c): ap[:, i].tolist() for c, i in activity_index.items()},
            "n_gt_instances_after_filtering": n_gt, "activity_index": {int(c): i for c, i in activity_index.items()}}


# ---------------------------------------------------------------------------------------------- mmengine
from mmengine.evaluator import BaseMetric  # noqa: E402
from mmengine.registry import METRICS  # noqa: E402


@METRICS.register_module(name="TempoDetectionMAP")
class DetectionMAPMetric(BaseMetric):
    """mmengine metric over detector outputs (dicts with ``video_id``, ``segments`` [K, 2] seconds, ``scores``,
    ``labels`` = label_id). Ground truth: ``ann_file`` + ``split`` (defaults to the dataset's metainfo)."""

    default_prefix = "detection"

    def __init__(self, ann_file=None, split=None, tiou_thresholds=tuple(THUMOS_TIOUS), collect_device="cpu",
                 prefix=None, tie_break="earlier_row_first"):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ann_file, self.split, self.tie_break = ann_file, split, tie_break
        named = {"thumos": THUMOS_TIOUS, "anet": ANET_TIOUS}
        # Names give the exact np.linspace values the official code uses (0.39999999999999997, not 0.4).
        self.tiou_thresholds = list(named[tiou_thresholds] if isinstance(tiou_thresholds, str) else tiou_thresholds)

    def process(self, data_batch, data_samples) -> None:
        # One result per video: mmengine's evaluate(size) keeps only the first `size` (= number of videos)
        # results, so one entry per detection would silently drop all but the first few detections.
        for det in data_samples:
            self.results.append([{"video": det["video_id"], "start": start, "end": end, "label": int(label),
                                  "score": score}
                                 for (start, end), score, label in zip(det["segments"].tolist(),
                                                                       det["scores"].tolist(),
                                                                       det["labels"].tolist())])

    def compute_metrics(self, results: list) -> dict:
        meta = self.dataset_meta or {}
        split = self.split or meta.get("split", ["test"])
        split = split[0] if isinstance(split, (list, tuple)) else split
        gt = load_ground_truth(self.ann_file or meta["ann_file"], split.lower())
        detections = [d for video in results for d in video]
        res = evaluate_detection(gt, predictions_from_detections(detections), self.tiou_thresholds, self.tie_break)
        out = {f"mAP@{t:.2f}": m for t, m in zip(self.tiou_thresholds, res["mAP"])}
        out["average_mAP"] = res["average_mAP"]
        return out
