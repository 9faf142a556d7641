"""Folder search latency of `tempo ground`: one query over N indexed clips with the embedded default BAM-DETR.

Clips are "indexed" with random features of the default layout (30-s clips: one row per ``clip_len`` s) so that
the number measures the search itself (query encoding + the clip pre-filter when the checkpoint ships one + the
grounding head over the candidate clips + ranking), not feature extraction, which is cached per clip anyway.
``index_s`` is the time to add the clips to the search (pre-filter index included). Example:

    python tools/bench_ground_folder.py --clips 100,1000 --threads 2
    python tools/bench_ground_folder.py --clips 100 --prefilter-candidates 0 --head-batch 1   # one clip at a time
    python tools/bench_ground_folder.py --clips 100,1000 --head textclip   # TextClipNet's match probability
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from bench_common import machine, timed  # tools/ is on sys.path when run as a script
from tempo.features.stage import build_backbone
from tempo.tasks.ground import HEAD_BATCH, PREFILTER_MIN_CLIPS
from tempo.tasks.text_search import HEADS, make_search


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default="100,1000", help="comma list of folder sizes")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each clip")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--prefilter-candidates", type=int, default=128, help="0 = the head on every clip")
    parser.add_argument("--head-batch", type=int, default=None, help="windows per forward (default: HEAD_BATCH)")
    parser.add_argument("--head", choices=HEADS, default="bam_detr", help="the search engine (tempo ground --head)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    search = make_search(args.head, device=args.device, prefilter_candidates=args.prefilter_candidates)
    if args.head_batch:
        rank = search._rank
        search._rank = lambda candidates, text, **kw: rank(candidates, text, batch_size=args.head_batch, **kw)
    spec = search.video_cfg["backbone"]  # a name, or a config (the default's Stack: embedding + object slots)
    dim = build_backbone(spec if isinstance(spec, dict) else {"type": spec}).feature_dim
    rows = int(np.ceil(args.seconds / search.video_cfg["clip_len"]))
    rng = np.random.default_rng(0)
    query = "the small red triangle spins clockwise"
    results = []
    for n in [int(x) for x in args.clips.split(",")]:
        search.clear()
        start = time.perf_counter()
        for i in range(n):
            search.add_clip(f"clip_{i:05d}.mp4", rng.normal(size=(rows, dim)).astype(np.float32), args.seconds)
        index_s = time.perf_counter() - start
        seconds, moments = timed(lambda: search.search(query, top_k=10), args.repeats, args.device)
        results.append({"clips": n, "latency_s": round(seconds, 3), "ms_per_clip": round(1e3 * seconds / n, 2),
                        "moments": len(moments), "index_s": round(index_s, 2)})
    print(json.dumps({"machine": machine(args.device), "head": args.head, "prefilter": search.prefilter is not None,
                      "prefilter_candidates": args.prefilter_candidates, "prefilter_min_clips": PREFILTER_MIN_CLIPS,
                      "head_batch": args.head_batch or HEAD_BATCH, "clip_len": search.video_cfg["clip_len"],
                      "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
