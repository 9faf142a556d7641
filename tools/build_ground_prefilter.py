"""Train the clip pre-filter of folder search (a video→text projection) on a grounding dataset.

Pairs: for every relevant window of every training query, the mean of the (L2-normalised) video feature rows
inside the window ↔ the query's sentence embedding from the grounder's text encoder (``encode``, exactly what
MomentSearch uses at query time). Each video's ``clip_len`` is read from its ``<vid>.json`` beside the ``.npz``,
so 2-s and 0.6-s features both work. Writes ``--out`` (safetensors) and the sibling ``.json``.

    python tools/build_ground_prefilter.py --data data/synth_ground \
        --video-feats data/synth_ground/features/video_2s --out my_grounder.prefilter.safetensors

``--recall`` also reports, for the queries of ``--eval-split``, recall@K of the ground-truth video when the
projection ranks every video of the train/val/test annotations, against a random ranking.

``--aligned``: video rows and sentences already share a space (TextClipNet rows + ``--text-encoder
TextClipText``, the embedded default): nothing is trained, a clip scores as its best row (what ``MomentSearch``
does then), and only the recall is reported (``--out`` not needed):

    python tools/build_ground_prefilter.py --aligned --text-encoder TextClipText --data data/synth_ground_textclip \
        --video-feats data/synth_ground_textclip/features/video
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from tempo.tasks.prefilter import ClipPrefilter, SegmentProjection, save_projection, train_projection, window_rows


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class VideoFeatures:
    """``<vid>.npz`` (key ``features``) + ``<vid>.json`` (``clip_len``, ``backbone``) from one folder, cached."""

    def __init__(self, folder: Path):
        self.folder, self._cache = Path(folder), {}

    def __call__(self, vid: str) -> tuple[np.ndarray, float, dict]:
        if vid not in self._cache:
            meta = json.loads((self.folder / f"{vid}.json").read_text())
            feats = np.load(self.folder / f"{vid}.npz")["features"].astype(np.float32)
            self._cache[vid] = (feats, float(meta["clip_len"]), meta)
        return self._cache[vid]


def training_pairs(rows: list[dict], feats: VideoFeatures) -> tuple[np.ndarray, list[int]]:
    """(pooled window rows, index of the query in ``rows``) for every relevant window."""
    video, owner = [], []
    for i, row in enumerate(rows):
        x, clip_len, _ = feats(row["vid"])
        for start, end in row["relevant_windows"]:
            video.append(window_rows(x, clip_len, start, end))
            owner.append(i)
    return np.stack(video), owner


def recall_at(projection, text_encoder, queries: list[dict], pool: list[str], feats: VideoFeatures,
              ks=(8, 16, 32, 64, 128), segment_seconds: float = 2.0, seed: int = 0) -> dict:
    """Recall@K of each query's video among ``pool`` ranked by the pre-filter, and by a random ranking."""
    index = {}
    for vid in pool:  # one ClipPrefilter per clip_len (a folder may mix feature rates only here)
        x, clip_len, _ = feats(vid)
        index.setdefault(clip_len, ClipPrefilter(projection, clip_len, segment_seconds)).add(vid, x)
    if len(index) != 1:
        raise SystemExit("videos of the pool have different clip_len; use one feature folder per rate")
    prefilter = next(iter(index.values()))
    text = text_encoder.encode([q["query"] for q in queries])
    ranks = []
    for q, t in zip(queries, text):
        order = prefilter.top_clips(t, len(pool))
        ranks.append(order.index(q["vid"]) if q["vid"] in order else len(pool))
    ranks = np.asarray(ranks)
    rng = np.random.default_rng(seed)
    random_ranks = rng.integers(len(pool), size=len(queries))  # the truth's place in a random order
    return {"queries": len(queries), "pool": len(pool),
            "prefilter": {f"R@{k}": round(float((ranks < k).mean()), 4) for k in ks},
            "random": {f"R@{k}": round(float((random_ranks < k).mean()), 4) for k in ks},
            "random_expected": {f"R@{k}": round(k / len(pool), 4) for k in ks},
            "median_rank": float(np.median(ranks) + 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with train.jsonl / val.jsonl / test.jsonl")
    parser.add_argument("--video-feats", required=True, help="folder of <vid>.npz + <vid>.json")
    parser.add_argument("--out", help="output .prefilter.safetensors (required unless --aligned)")
    parser.add_argument("--aligned", action="store_true",
                        help="rows and sentences share a space: no projection to train, report recall@K only")
    parser.add_argument("--split", default="train")
    parser.add_argument("--text-encoder", default="MiniLM", help="the grounder's text encoder (bundle 'text')")
    parser.add_argument("--segment-seconds", type=float, default=2.0, help="length of an indexed segment")
    parser.add_argument("--epochs", type=int, default=10, help="few: the projection overfits the train videos")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--recall", action="store_true", help="report recall@K on --eval-split (see above)")
    parser.add_argument("--eval-split", default="val")
    parser.add_argument("--agreement", type=int, default=0, metavar="N",
                        help="with --aligned: for the first N queries, is the top moment of a search over the whole "
                             "pool the same with the pre-filter's 128 candidates as without "
                             "(slow: the head on every clip)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    import tempo.features  # noqa: F401  (registers the text encoders)
    from tempo.registry import TEXT_ENCODERS

    data = Path(args.data)
    feats = VideoFeatures(Path(args.video_feats))
    if args.aligned:
        return report_aligned_recall(data, feats, TEXT_ENCODERS.build({"type": args.text_encoder}), args)
    if not args.out:
        parser.error("--out is required (unless --aligned)")
    rows = load_jsonl(data / f"{args.split}.jsonl")
    video, owner = training_pairs(rows, feats)
    text_encoder = TEXT_ENCODERS.build({"type": args.text_encoder})
    text = text_encoder.encode([r["query"] for r in rows])[owner]
    projection = train_projection(video, text, epochs=args.epochs, lr=args.lr, seed=args.seed)
    metas = [feats(r["vid"])[2] for r in rows]
    clip_lens = sorted({float(m["clip_len"]) for m in metas})
    backbone = metas[0].get("backbone", {})
    meta = {"text_encoder": args.text_encoder, "text_embedding": "sentence (encode), L2-normalised",
            "video_rows": "L2-normalised per row; mean over a window / segment",
            "segment_seconds": args.segment_seconds,
            "backbone": backbone.get("type") if isinstance(backbone, dict) else backbone,
            "trained_on": {"annotations": str(data / f"{args.split}.jsonl"), "video_features": str(args.video_feats),
                           "clip_len": clip_lens, "queries": len(rows), "pairs": len(video),
                           "epochs": args.epochs, "lr": args.lr, "seed": args.seed}}
    if args.recall:
        pool = sorted({r["vid"] for split in ("train", "val", "test") if (data / f"{split}.jsonl").is_file()
                       for r in load_jsonl(data / f"{split}.jsonl")})
        queries = load_jsonl(data / f"{args.eval_split}.jsonl")
        meta["recall"] = {"split": args.eval_split,
                          **recall_at(projection, text_encoder, queries, pool, feats,
                                      segment_seconds=args.segment_seconds, seed=args.seed)}
    out = save_projection(projection, args.out, meta)
    print(json.dumps({"out": str(out), **meta}, indent=1))
    return 0


def report_aligned_recall(data: Path, feats: VideoFeatures, text_encoder, args) -> int:
    pool = sorted({r["vid"] for split in ("train", "val", "test") if (data / f"{split}.jsonl").is_file()
                   for r in load_jsonl(data / f"{split}.jsonl")})
    queries = load_jsonl(data / f"{args.eval_split}.jsonl")
    x, clip_len, _ = feats(pool[0])
    identity = SegmentProjection(None, x.shape[1]).eval()
    out = {"split": args.eval_split, "aligned": True,
           **recall_at(identity, text_encoder, queries, pool, feats, segment_seconds=clip_len, seed=args.seed)}
    if args.agreement:
        out["agreement"] = top_moment_agreement(queries[:args.agreement], pool, feats)
    print(json.dumps(out, indent=1))
    return 0


def top_moment_agreement(queries: list[dict], pool: list[str], feats: VideoFeatures, k: int = 128) -> dict:
    """What the pre-filter costs a folder search with the embedded default (see prefilter_recall.agreement)."""
    from prefilter_recall import agreement  # tools/ is on sys.path when run as a script
    from tempo.tasks.ground import MomentSearch

    search = MomentSearch(prefilter_candidates=k)
    for vid in pool:
        x, clip_len, _ = feats(vid)
        search.add_clip(vid, x, len(x) * clip_len)
    return agreement(search, pool, [{**q, "clip": q["vid"]} for q in queries], k)


if __name__ == "__main__":
    sys.exit(main())
