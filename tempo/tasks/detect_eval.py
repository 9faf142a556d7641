"""``tempo evaluate detect``: run the detector over a THUMOS/ActivityNet-style dataset split and
report mAP at each tIoU (ActivityNet-style AP, the official TriDet/ActionFormer evaluator).

The dataset folder holds ``annotations/detect.json`` (``database`` → video id → ``subset``,
``annotations``, and ``video`` = path relative to the folder, as ``tempo synth --task detect``
writes) or ``--ann`` points at the JSON. Precomputed features (``--feat-dir`` with ``<vid>.npy``)
replace video decoding, for official datasets that ship features only.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..progress import track

HELP = "mAP@tIoU of the action detector on a dataset split"
# CLI name -> tempo.eval.detection tie_break
TIE_BREAKS = {"stable": "earlier_row_first", "numpy_default": "numpy_default"}
SPLIT_NAMES = {"test": ("test", "testing"), "val": ("val", "validation"), "train": ("train", "training")}


def add_arguments(parser) -> None:
    parser.add_argument("--split", default="test", help="subset to evaluate: test, val or train (default test)")
    parser.add_argument("--ann", help="annotation JSON (default: DATA/annotations/detect.json)")
    parser.add_argument("--feat-dir", help="folder of precomputed <video id>.npy features")
    parser.add_argument("--config", help="model config for --checkpoint")
    parser.add_argument("--checkpoint", help="tempo .safetensors bundle or official .pth.tar (default: embedded)")
    parser.add_argument("--dtype", default=None, choices=["float32", "bfloat16", "float16"],
                        help="the network's precision (default float32; float16 only on CUDA): tempo detect --dtype")
    parser.add_argument("--tiou", default="thumos", help="thumos (0.3:0.7:0.1), anet (0.5:0.95:0.05) or a comma list")
    parser.add_argument("--tie-break", choices=sorted(TIE_BREAKS), default="stable",
                        help="order of equal scores (and of equal tIoUs): stable = earlier detection first, the same "
                             "on every machine (default); numpy_default = NumPy's default argsort, as the official "
                             "ActionFormer/TriDet evaluation (its order depends on the CPU)")


def tiou_thresholds(spec: str) -> list[float]:
    """Named sets are the official np.linspace values (0.39999999999999997, not 0.4: a tIoU of 0.7 - 0.3 matches)."""
    from ..eval.detection import ANET_TIOUS, THUMOS_TIOUS

    if spec == "thumos":
        return THUMOS_TIOUS.tolist()
    if spec == "anet":
        return ANET_TIOUS.tolist()
    return [float(x) for x in spec.split(",")]


def evaluate(data, split="test", ann=None, feat_dir=None, checkpoint=None, config=None, tiou="thumos",
             tie_break="stable", dtype: str | None = None) -> dict:
    from ..eval.detection import evaluate_detection, load_ground_truth, predictions_from_detections
    from .detect import ActionDetector

    data = Path(data)
    ann_path = Path(ann) if ann else data / "annotations" / "detect.json"
    if not ann_path.is_file():
        raise InputError(ann_path, "annotation file not found")
    gt_doc = json.loads(ann_path.read_text())
    names = SPLIT_NAMES.get(split, (split,))
    videos = {vid: e for vid, e in gt_doc["database"].items() if e["subset"].lower() in names}
    if not videos:
        raise InputError(ann_path, f"no videos in split {split!r}")
    detector = ActionDetector(checkpoint, config, dtype=dtype)  # float16 on the CPU: one line before any video
    class_ids = _class_ids(gt_doc, detector.classes)
    dets = []
    for vid, entry in track(list(videos.items()), f"detecting ({split})"):
        if feat_dir:
            feats = np.load(Path(feat_dir) / f"{vid}.npy")
            fps = detector.features.get("fps") or entry["fps"]
            out = detector.detect_features(feats, fps, entry.get("duration"), vid)
        else:
            out = detector.detect(data / entry.get("video", f"videos/{vid}.mp4"))
        for d in out:
            dets.append({**d, "video": vid, "label": class_ids.get(d["label"], d["label_id"])})
    gt_split = next(n for n in names if any(e["subset"].lower() == n for e in videos.values()))
    result = evaluate_detection(load_ground_truth(gt_doc, gt_split), predictions_from_detections(dets),
                                tiou_thresholds(tiou), TIE_BREAKS[tie_break])
    names_by_id = {a["label_id"]: a["label"] for e in gt_doc["database"].values() for a in e.get("annotations", [])}
    per_class = {names_by_id.get(c, str(c)): float(np.mean(ap)) for c, ap in result["ap_per_class"].items()}
    return {"split": split, "videos": len(videos), "detections": len(dets), "dtype": detector.dtype,
            "tiou_thresholds": result["tiou_thresholds"], "mAP": result["mAP"],
            "average_mAP": result["average_mAP"], "average_ap_per_class": per_class, "tie_break": tie_break}


def _class_ids(gt_doc, model_classes) -> dict:
    """Map the model's label names to the dataset's label ids (by name), so class order may differ."""
    by_name = {}
    for entry in gt_doc["database"].values():
        for a in entry.get("annotations", []):
            by_name[a["label"]] = a["label_id"]
    return {name: by_name[name] for name in (model_classes or []) if name in by_name}


def run(args) -> int:
    result = evaluate(args.data, args.split, args.ann, args.feat_dir, args.checkpoint, args.config, args.tiou,
                      args.tie_break, dtype=args.dtype)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        thr = "  ".join(f"{t:.2f}: {m * 100:.2f}" for t, m in zip(result["tiou_thresholds"], result["mAP"]))
        print(f"{result['videos']} videos ({result['split']}, {result['dtype']}), mAP@tIoU {thr}")
        print(f"average mAP: {result['average_mAP'] * 100:.2f} (ties: {result['tie_break']})")
        print("average AP per class: " + ", ".join(f"{k} {v * 100:.1f}" for k, v in
                                                   sorted(result["average_ap_per_class"].items(),
                                                          key=lambda kv: -kv[1])))
    return 0
