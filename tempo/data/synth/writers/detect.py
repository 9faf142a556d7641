"""Temporal action detection: ActivityNet/THUMOS-style JSON
(``database`` -> video id -> ``subset``, ``duration``, ``fps``, ``annotations``)."""
from __future__ import annotations

from pathlib import Path

from ..actions import ACTION_NAMES
from ..seeding import Job
from .common import rounded, write_json
from .scene_video import write_scene_video

SUBSET = {"train": "training", "val": "validation", "test": "testing"}


def annotations_of(plan) -> list:
    return [{"segment": [rounded(i.start), rounded(i.end)], "label": i.action,
             "label_id": ACTION_NAMES.index(i.action)} for i in plan.instances]


def make(job: Job) -> dict:
    plan, path = write_scene_video(job)
    return {"vid": job.vid, "subset": SUBSET[job.split], "duration": rounded(plan.duration), "fps": plan.fps,
            "num_frames": plan.num_frames, "width": plan.width, "height": plan.height,
            "video": str(path.relative_to(job.out_dir)), "annotations": annotations_of(plan)}


def write(records: list, out_dir: Path, meta: dict) -> list:
    database = {r.pop("vid"): r for r in records}
    doc = {"version": "tempo-synth-1", "classes": list(ACTION_NAMES), "meta": meta, "database": database}
    return [write_json(Path(out_dir) / "annotations" / "detect.json", doc)]
