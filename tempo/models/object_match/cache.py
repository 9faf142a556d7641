"""A fixed set of recogniser training samples, made once (rendering + segmenting is most of a sample's cost, so the
network can then see each many times): ``crops.npy`` (N, 8, 48, 48, 5) uint8 and ``labels.npy`` (N, 5) int64.

    python -m tempo.models.object_match.cache OUT_DIR --seeds 0 2 3 4 5 --split train --windows 6
"""
from __future__ import annotations

import argparse
import multiprocessing
from pathlib import Path

import numpy as np

_NET = {}


def _scene_samples(args) -> tuple:
    import torch

    from tempo.data.synth.render import SceneRenderer
    from tempo.data.synth.seeding import scene_plan

    from .export import load_stage_model
    from .samples import window_objects
    from .slots import STRIDE

    job, segmenter, windows, seed = args
    torch.set_num_threads(1)
    if "net" not in _NET:
        _NET["net"] = load_stage_model(segmenter).network.eval()
    renderer = SceneRenderer(scene_plan(job))
    rows = -(-renderer.plan.num_frames // STRIDE)
    rng = np.random.default_rng([seed, job.seed, job.index])
    out = [window_objects(renderer, _NET["net"], int(r)) for r in rng.choice(rows, min(windows, rows), replace=False)]
    return np.concatenate([c for c, _ in out]), np.concatenate([l for _, l in out])


def build(out: Path, sources: list, segmenter: str, windows: int, workers: int, seed: int = 0) -> int:
    from tempo.models.text_clipnet.frames import split_jobs
    from tempo.progress import track

    jobs = [j for preset, s, split in sources for j in split_jobs(preset, s, split)]
    crops, labels = [], []
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for c, l in track(pool.imap(_scene_samples, [(j, segmenter, windows, seed) for j in jobs]),
                          f"object samples of {len(jobs)} scenes", total=len(jobs)):
            crops.append(c)
            labels.append(l)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "crops.npy", np.concatenate(crops))
    np.save(out / "labels.npy", np.concatenate(labels))
    return sum(len(l) for l in labels)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 2, 3, 4, 5])
    parser.add_argument("--split", default="train")
    parser.add_argument("--windows", type=int, default=6, help="row windows per scene")
    parser.add_argument("--segmenter", default=str(Path(__file__).resolve().parents[2] / "weights"
                                                   / "object_foreground_synth.safetensors"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample-seed", type=int, default=0,
                        help="which row windows are drawn: another seed gives another set of samples "
                             "of the same scenes")
    args = parser.parse_args(argv)
    n = build(args.out, [(args.preset, s, args.split) for s in args.seeds], args.segmenter, args.windows,
              args.workers, args.sample_seed)
    print(f"{args.out}: {n} samples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
