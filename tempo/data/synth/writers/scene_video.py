"""Render a planned scene straight into an H.264 file, one frame at a time (bounded memory)."""
from __future__ import annotations

from pathlib import Path

from ..render import SceneRenderer
from ..seeding import Job, scene_plan
from .common import h264_writer


def write_scene_video(job: Job):
    """Plan, render and encode the job's scene to ``videos/<vid>.mp4``; returns (plan, path)."""
    plan = scene_plan(job)
    path = Path(job.out_dir) / "videos" / f"{job.vid}.mp4"
    renderer = SceneRenderer(plan)
    with h264_writer(path, plan.fps, plan.width, plan.height, job.preset.crf) as writer:
        for frame in renderer.frames():
            writer.write(frame)
    return plan, path
