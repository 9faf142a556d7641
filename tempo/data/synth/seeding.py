"""Every random draw comes from a generator keyed by (seed, scene family, split, index, stream), so a
video does not depend on how many workers ran or in which order, and tasks can share scenes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .presets import SPLITS, Preset, get_preset
from .timeline import ScenePlan, plan_scene

# detect and ground share scene family 0: the same seed gives the same videos for both.
SCENE_FAMILY = {"detect": 0, "ground": 0, "restore": 1, "complete": 2}
STREAMS = {"scene": 0, "caption": 1, "degrade": 2, "mask": 3}


@dataclass(frozen=True)
class Job:
    task: str
    preset: Preset
    seed: int
    split: str
    index: int
    out_dir: str

    @property
    def vid(self) -> str:
        return f"synth_{self.split}_{self.index:04d}"


def rng_for(job: Job, stream: str) -> np.random.Generator:
    key = [int(job.seed), SCENE_FAMILY[job.task], SPLITS.index(job.split), int(job.index), STREAMS[stream]]
    return np.random.default_rng(key)


def scene_plan(job: Job) -> ScenePlan:
    return plan_scene(rng_for(job, "scene"), job.preset.scene)


def jobs_for(task: str, preset, seed: int, out_dir) -> list:
    p = get_preset(task, preset)
    return [Job(task, p, int(seed), split, i, str(out_dir)) for split in SPLITS for i in range(p.splits.get(split, 0))]
