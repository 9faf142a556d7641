"""Render a planned scene straight into an H.264 file, one frame at a time (bounded memory)."""
from __future__ import annotations

import os
from pathlib import Path

from ..render import SceneRenderer
from ..seeding import Job, scene_plan
from .common import h264_writer


def write_scene_video(job: Job):
    """Plan, render and encode the job's scene to ``videos/<vid>.mp4``; returns (plan, path)."""
    plan = scene_plan(job)
    path = Path(job.out_dir) / "videos" / f"{job.vid}.mp4"
    if os.environ.get("TEMPO_SYNTH_REUSE_VIDEOS") == "1" and path.is_file():
        # Same seed, same scene, same bytes: a folder that already holds this seed's videos (e.g. from
        # the detect task) only needs the other task's annotations.
        return plan, path
    renderer = SceneRenderer(plan)
    with h264_writer(path, plan.fps, plan.width, plan.height, job.preset.crf) as writer:
        for frame in renderer.frames():
            writer.write(frame)
    return plan, path
