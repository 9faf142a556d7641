"""``tempo evaluate ground``: moment retrieval metrics on a QVHighlights-style split.

Each query is grounded in its own video (the standard protocol): R1@{0.3,0.5,0.7}, mAP@{0.5,0.75},
mAP averaged over tIoU 0.5:0.95 and mIoU, computed by ``tempo.eval.grounding`` (numbers identical
to the official QVHighlights evaluation). The data folder is a ``tempo synth --task ground`` output
(``annotations/ground_<split>.jsonl`` + ``videos/``) or ``--ann`` + ``--videos``.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..progress import track

HELP = "R1/mAP/mIoU of the grounding model on a dataset split"


def add_arguments(parser) -> None:
    parser.add_argument("--split", default="test", help="split to evaluate (default test)")
    parser.add_argument("--ann", help="jsonl annotations (default: DATA/annotations/ground_<split>.jsonl)")
    parser.add_argument("--videos", help="folder with <vid>.mp4 (default: DATA/videos)")
    parser.add_argument("--checkpoint", help="tempo .safetensors bundle or official model.ckpt (default: embedded)")
    parser.add_argument("--head", choices=("bam_detr", "textclip"), default="bam_detr",
                        help="the grounding engine (see tempo ground --help)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N queries")
    parser.add_argument("--by-type", action="store_true",
                        help="also score each query type (one moment / several moments) on its own")


QUERY_TYPES = {"one_moment": lambda row: len(row["relevant_windows"]) == 1,  # one instance described
               "several_moments": lambda row: len(row["relevant_windows"]) > 1}  # every instance of an action


def evaluate(data, split="test", ann=None, videos=None, checkpoint=None, limit=None, head="bam_detr",
             by_type: bool = False) -> dict:
    """Metrics of the whole split; with ``by_type`` also per query type (``QUERY_TYPES``) under "by_type"."""
    from ..eval.grounding import load_jsonl
    from .text_search import make_search

    data = Path(data)
    ann_path = Path(ann) if ann else data / "annotations" / f"ground_{split}.jsonl"
    if not ann_path.is_file():
        raise InputError(ann_path, "annotation file not found")
    video_dir = Path(videos) if videos else data / "videos"
    gt = load_jsonl(ann_path)[:limit]
    search = make_search(head, checkpoint)
    submission = []
    for row in track(gt, f"grounding ({split})"):
        clip = str(video_dir / f"{row['vid']}.mp4")
        if clip not in search.clips:
            search.clips[clip], search.durations[clip] = search.clip_features(clip)
        moments = search.search(row["query"], top_k=10, clips=[clip])
        submission.append({"qid": row["qid"], "query": row["query"], "vid": row["vid"],
                           "pred_relevant_windows": [[m.start, m.end, m.score] for m in moments]})
    result = {"split": split, **score(submission, gt)}
    if by_type:
        result["by_type"] = {}
        for name, keep in QUERY_TYPES.items():
            rows = [r for r in gt if keep(r)]
            qids = {r["qid"] for r in rows}
            if rows:
                result["by_type"][name] = score([s for s in submission if s["qid"] in qids], rows)
    return result


def score(submission: list, gt: list) -> dict:
    from ..eval.grounding import evaluate_submission, mr_r1

    full = evaluate_submission(submission, gt, variant="bam", dataset="hl", match_number=True)["full"]
    r1_03, _ = mr_r1(submission, gt, [0.3])
    return {"queries": len(gt), "R1@0.3": r1_03["0.3"], "R1@0.5": full["MR-R1"]["0.5"],
            "R1@0.7": full["MR-R1"]["0.7"], "mAP@0.5": full["MR-mAP"]["0.5"],
            "mAP@0.75": full["MR-mAP"]["0.75"], "mAP": full["MR-mAP"]["average"], "mIoU": full["MR-mIoU"]}


def run(args) -> int:
    result = evaluate(args.data, args.split, args.ann, args.videos, args.checkpoint, args.limit, args.head,
                      args.by_type)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("  ".join(f"{k}: {v}" for k, v in result.items()))
    return 0
