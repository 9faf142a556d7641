"""Generate a synthetic benchmark: real encoded videos with exact ground truth.

  detect    ActivityNet/THUMOS-style JSON of action segments (13 classes defined by change over time)
  ground    QVHighlights-style jsonl of template queries with windows, clip ids and saliency
  restore   clean/degraded video pairs with each clip's degradation parameters
  complete  videos with per-frame hole masks (lossless mask videos); the videos are the ground truth

The same --seed gives byte-identical files; detect and ground draw the same scenes.
"""
from __future__ import annotations

import time

from ..errors import UsageError
from .common import print_json

HELP = "generate a synthetic dataset (videos + ground truth) for detect, ground, restore or complete"


def add_arguments(parser) -> None:
    parser.add_argument("--task", required=True, choices=["detect", "ground", "restore", "complete"],
                        help="which ground truth to make")
    parser.add_argument("--preset", default="tiny", choices=["tiny", "small", "full"],
                        help="size: tiny (seconds, for tests), small (trains the shipped defaults), "
                             "full (benchmarks); default tiny")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("-o", "--output", required=True, help="output folder")
    parser.add_argument("--workers", type=int, default=2, help="parallel worker processes (default 2)")
    parser.add_argument("--reuse-videos", action="store_true",
                        help="keep videos already in -o (same seed: detect and ground share scenes) and only "
                             "write this task's annotations")


def run(args) -> int:
    from ..data.synth import generate, get_preset

    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    preset = get_preset(args.task, args.preset)
    start = time.perf_counter()
    paths = generate(args.task, preset, seed=args.seed, out_dir=args.output, workers=args.workers,
                     reuse_videos=args.reuse_videos)
    seconds = time.perf_counter() - start
    if args.json:
        print_json({"task": args.task, "preset": preset.name, "seed": args.seed, "videos": preset.num_videos,
                    "annotations": [str(p) for p in paths], "seconds": round(seconds, 2)})
    else:
        print(f"{preset.num_videos} {args.task} videos in {args.output} ({seconds:.1f} s); annotations:")
        for p in paths:
            print(f"  {p}")
    return 0
