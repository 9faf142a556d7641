"""Folder search latency of `tempo ground`: one query over N indexed clips with the embedded default BAM-DETR.

Clips are "indexed" with random features of the default layout (30-s clips: 15 rows of 2 s) so that the number
measures the search itself (query encoding + the grounding head over every candidate clip + ranking), not
feature extraction, which is cached per clip anyway. Example:

    python tools/bench_ground_folder.py --clips 100,1000 --threads 2
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from bench_common import machine, timed  # tools/ is on sys.path when run as a script
from tempo.features.stage import build_backbone
from tempo.tasks.ground import MomentSearch


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default="100,1000", help="comma list of folder sizes")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each clip")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    search = MomentSearch(device=args.device)
    dim = build_backbone({"type": search.video_cfg["backbone"]}).feature_dim
    rows = int(np.ceil(args.seconds / search.video_cfg["clip_len"]))
    rng = np.random.default_rng(0)
    query = "the small red triangle spins clockwise"
    results = []
    for n in [int(x) for x in args.clips.split(",")]:
        search.clips = {f"clip_{i:05d}.mp4": rng.normal(size=(rows, dim)).astype(np.float32) for i in range(n)}
        search.durations = {k: args.seconds for k in search.clips}
        seconds, moments = timed(lambda: search.search(query, top_k=10), args.repeats, args.device)
        results.append({"clips": n, "latency_s": round(seconds, 3), "ms_per_clip": round(1e3 * seconds / n, 2),
                        "moments": len(moments)})
    print(json.dumps({"machine": machine(args.device), "prefilter": bool(getattr(search, "_prefilter_model", None)),
                      "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
