"""Preset sizes per task. ``tiny`` is for tests (seconds), ``small`` trains the shipped default
models, ``full`` is for benchmarks. Sizes and measured times are in the README."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import UsageError
from .timeline import SceneSpec

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Preset:
    name: str
    splits: dict  # split -> number of videos
    scene: SceneSpec
    crf: int = 18  # x264 quality of the written videos (restore: of the clean ones)
    extra: dict = field(default_factory=dict)

    @property
    def num_videos(self) -> int:
        return sum(self.splits.values())


def _scenes(name, splits, w, h, fps, duration, objects=(1, 5)):
    return Preset(name, splits, SceneSpec(w, h, fps, duration, objects=objects))


# detect and ground draw the same scenes (same seed -> same videos), each writes its own annotations.
_SCENE_PRESETS = {
    "tiny": _scenes("tiny", {"train": 3, "val": 1, "test": 1}, 160, 120, 10, (10.0, 12.0), objects=(2, 4)),
    "small": _scenes("small", {"train": 180, "val": 40, "test": 40}, 224, 224, 15, (10.0, 30.0)),
    "full": _scenes("full", {"train": 300, "val": 100, "test": 100}, 320, 240, 15, (10.0, 300.0)),
}


def _clips(name, splits, w, h, fps, seconds, noise, crf):
    return Preset(name, splits, SceneSpec(w, h, fps, (seconds, seconds), objects=(1, 5), noise_sigma=noise,
                                         max_instance=seconds, gap=(0.1, 1.0)), crf=crf)


PRESETS = {
    "detect": _SCENE_PRESETS,
    "ground": _SCENE_PRESETS,
    # Clean targets carry no sensor noise (the noise is a degradation) and are written near-losslessly.
    "restore": {
        "tiny": _clips("tiny", {"train": 2, "val": 1, "test": 1}, 160, 120, 10, 2.0, (0.0, 0.0), 10),
        "small": _clips("small", {"train": 120, "val": 20, "test": 20}, 256, 192, 15, 3.0, (0.0, 0.0), 10),
        "full": _clips("full", {"train": 400, "val": 50, "test": 50}, 640, 360, 24, 5.0, (0.0, 0.0), 10),
    },
    "complete": {
        "tiny": _clips("tiny", {"train": 2, "val": 1, "test": 1}, 160, 120, 10, 2.0, (0.5, 2.0), 12),
        "small": _clips("small", {"train": 120, "val": 20, "test": 20}, 256, 192, 15, 3.0, (0.5, 2.0), 12),
        "full": _clips("full", {"train": 400, "val": 50, "test": 50}, 424, 240, 24, 5.0, (0.5, 2.0), 12),
    },
}
TASKS = tuple(PRESETS)


def get_preset(task: str, preset) -> Preset:
    if task not in PRESETS:
        raise UsageError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if isinstance(preset, Preset):
        return preset
    if preset not in PRESETS[task]:
        raise UsageError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS[task])}")
    return PRESETS[task][preset]
