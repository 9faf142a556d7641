"""How well folder search's pre-filter keeps each query's own clip, measured from the videos (H.264, as a user indexes
them) with the embedded default or another grounder.

    python tools/prefilter_recall.py data/synth_ground_seed1 data/synth_ground_seed7 --split test
    python tools/prefilter_recall.py data/synth_ground_seed0_val --split val --match-weights 0 0.5 1 2

Every video of the given ``tempo synth --task ground`` folders forms one pool; for each query of ``--split``, the place
of its own video when the pre-filter ranks the whole pool gives recall@K. ``--match-weights`` (grounders with the
object stage) scores the same pool with each weight of the object match column (0 = the embedding alone).
``--agreement K``: for each of the first ``--agreement-queries`` queries, is the top moment of a search over the whole
pool also the top moment when only
the pre-filter's K best clips go through the head?
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from tempo.eval.grounding import load_jsonl
from tempo.progress import track
from tempo.tasks.ground import MomentSearch


def index_pool(search: MomentSearch, folders: list) -> tuple[list, list]:
    """Index every video of the folders; returns (pool of clip keys, queries of the split with their clip key)."""
    pool, queries = [], []
    for folder, rows in folders:
        for video in sorted((folder / "videos").glob("*.mp4")):
            pool.append(str(video))
        queries += [{**r, "clip": str(folder / "videos" / f"{r['vid']}.mp4")} for r in rows]
    for clip in track(pool, "indexing"):
        search.add_clip(clip, *search.clip_features(clip))
    return pool, queries


def recall(search: MomentSearch, pool: list, queries: list, ks: list) -> dict:
    ranks = []
    for q in queries:
        order = search.prefilter_ranking(q["query"], pool, len(pool))
        ranks.append(order.index(q["clip"]) if q["clip"] in order else len(pool))
    ranks = np.asarray(ranks)
    return {**{f"R@{k}": round(float((ranks < k).mean()), 4) for k in ks}, "median_rank": float(np.median(ranks) + 1)}


def agreement(search: MomentSearch, pool: list, queries: list, k: int) -> dict:
    """For each query, is the top moment over the whole pool (the head on every clip) also the top moment when only
    the pre-filter's ``k`` clips are searched? And how often is the top clip the query's own (``q["clip"]``)?"""
    same = own_full = own_pre = 0
    for q in track(queries, "agreement"):
        with_pre = search.moments_from(search.candidates(q["query"], pool, k), 1)[0]
        full = search.moments_from(search.candidates(q["query"], pool, 0), 1)[0]
        same += (with_pre.clip, round(with_pre.start, 3), round(with_pre.end, 3)) == \
            (full.clip, round(full.start, 3), round(full.end, 3))
        own_full += full.clip == q["clip"]
        own_pre += with_pre.clip == q["clip"]
    n = len(queries)
    return {"queries": n, "candidates": k, "same_top_moment": round(same / n, 4),
            "top_clip_is_the_query's_own": {"without_prefilter": round(own_full / n, 4),
                                            "with_prefilter": round(own_pre / n, 4)}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="+", type=Path, help="tempo synth --task ground folders (videos/, annotations/)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--checkpoint", help="grounder bundle (default: embedded)")
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--match-weights", type=float, nargs="+", default=None,
                        help="object match column weights to compare (default: the shipped one)")
    parser.add_argument("--agreement", type=int, default=0, metavar="K",
                        help="see above (slow: the head on every clip)")
    parser.add_argument("--agreement-queries", type=int, default=100, help="the first N queries for --agreement")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    search = MomentSearch(args.checkpoint)
    folders = [(d, load_jsonl(d / "annotations" / f"ground_{args.split}.jsonl")) for d in args.data]
    pool, queries = index_pool(search, folders)
    out = {"pool": len(pool), "queries": len(queries), "split": args.split,
           "random_expected": {f"R@{k}": round(k / len(pool), 4) for k in args.ks}}
    index = search._prefilter_index
    for weight in args.match_weights or [getattr(index, "match_weight", None)]:
        if weight is not None:
            index.match_weight = weight
        out[f"match_weight={weight}"] = recall(search, pool, queries, args.ks)
    if args.agreement:
        out["agreement"] = agreement(search, pool, queries[:args.agreement_queries], args.agreement)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
