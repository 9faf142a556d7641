"""Restoration pairs: ``clean/<vid>.mp4`` (near-lossless, no sensor noise) and ``degraded/<vid>.mp4``,
with each clip's degradation chain and parameters in ``annotations/restore.json``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import degrade
from ..render import SceneRenderer
from ..seeding import Job, rng_for, scene_plan
from .common import h264_writer, rounded, write_json
from .detect import SUBSET


def make(job: Job) -> dict:
    plan = scene_plan(job)
    rng = rng_for(job, "degrade")
    kind, ops = degrade.sample_chain(rng)
    noise_seed = int(rng.integers(2**31))
    out = Path(job.out_dir)
    clean_path, bad_path = out / "clean" / f"{job.vid}.mp4", out / "degraded" / f"{job.vid}.mp4"
    renderer = SceneRenderer(plan)
    size = (plan.fps, plan.width, plan.height)
    with h264_writer(clean_path, *size, job.preset.crf) as clean_w, \
            h264_writer(bad_path, *size, degrade.output_crf(ops)) as bad_w:
        for i in range(plan.num_frames):
            clean = renderer.frame(i)
            clean_w.write(clean)
            bad_w.write(degrade.apply(clean, ops, np.random.default_rng([noise_seed, i])))
    return {"vid": job.vid, "subset": SUBSET[job.split], "clean": str(clean_path.relative_to(out)),
            "degraded": str(bad_path.relative_to(out)), "fps": plan.fps, "num_frames": plan.num_frames,
            "duration": rounded(plan.duration), "width": plan.width, "height": plan.height, "kind": kind,
            "degradations": ops, "clean_crf": job.preset.crf, "degraded_crf": degrade.output_crf(ops)}


def write(records: list, out_dir: Path, meta: dict) -> list:
    clips = {r.pop("vid"): r for r in records}
    doc = {"version": "tempo-synth-1", "kinds": degrade.KINDS, "meta": meta, "clips": clips}
    return [write_json(Path(out_dir) / "annotations" / "restore.json", doc)]
