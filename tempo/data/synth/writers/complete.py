"""Video completion: ``videos/<vid>.mp4`` (the clean frames: the ground truth) and a per-frame hole
mask ``masks/<vid>.mkv`` (lossless FFV1 gray, 255 = hole), described in ``annotations/complete.json``."""
from __future__ import annotations

from pathlib import Path

from ..masks import KINDS, HoleMask
from ..render import SceneRenderer
from ..seeding import Job, rng_for, scene_plan
from .common import h264_writer, mask_writer, rounded, write_json
from .detect import SUBSET


def make(job: Job) -> dict:
    plan = scene_plan(job)
    holes = HoleMask(rng_for(job, "mask"), plan.width, plan.height, plan.fps)
    out = Path(job.out_dir)
    video_path, mask_path = out / "videos" / f"{job.vid}.mp4", out / "masks" / f"{job.vid}.mkv"
    renderer = SceneRenderer(plan)
    covered = 0.0
    with h264_writer(video_path, plan.fps, plan.width, plan.height, job.preset.crf) as vw, \
            mask_writer(mask_path, plan.fps, plan.width, plan.height) as mw:
        for i in range(plan.num_frames):
            vw.write(renderer.frame(i))
            m = holes(i)
            covered += float((m > 0).mean())
            mw.write(m[..., None].repeat(3, axis=2))
    return {"vid": job.vid, "subset": SUBSET[job.split], "video": str(video_path.relative_to(out)),
            "mask": str(mask_path.relative_to(out)), "fps": plan.fps, "num_frames": plan.num_frames,
            "duration": rounded(plan.duration), "width": plan.width, "height": plan.height,
            "holes": holes.params, "hole_fraction": rounded(covered / plan.num_frames)}


def write(records: list, out_dir: Path, meta: dict) -> list:
    clips = {r.pop("vid"): r for r in records}
    doc = {"version": "tempo-synth-1", "mask_kinds": KINDS, "meta": meta, "clips": clips}
    return [write_json(Path(out_dir) / "annotations" / "complete.json", doc)]
