"""mmengine datasets of the object stage: the segmenter's frames rendered from the scene plans on the fly (drawn by a
generator keyed on the item index, so a dataset is the same every run), the recogniser's samples from the cache made
once (``cache.py``), the parser's queries and their MiniLM embeddings; the collate functions concatenate the items'
frames or objects."""
from __future__ import annotations

import json

import numpy as np
import torch
from mmengine.registry import FUNCTIONS
from torch.utils.data import Dataset

from tempo.data.synth.render import SceneRenderer
from tempo.data.synth.seeding import scene_plan
from tempo.registry import DATASETS

from .labels import FACTORS, HEADS
from .samples import segmentation_sample


def _jobs(sources: list) -> list:
    from tempo.models.text_clipnet.frames import split_jobs

    return [j for s in sources for j in split_jobs(s.get("preset", "small"), int(s["seed"]), s["split"])]


@DATASETS.register_module()
class ForegroundDataset(Dataset):
    """Items: ``per_scene`` random frames of one scene and their half-resolution object masks (rendered on the fly;
    each scene ``repeats`` times per epoch, other frames each time)."""

    def __init__(self, sources, per_scene: int = 4, repeats: int = 1, seed: int = 0):
        self.jobs = _jobs(sources)
        self.per_scene, self.repeats, self.seed = int(per_scene), int(repeats), int(seed)

    def __len__(self) -> int:
        return len(self.jobs) * self.repeats

    @property
    def metainfo(self) -> dict:
        return {}

    def __getitem__(self, idx: int) -> dict:
        renderer = SceneRenderer(scene_plan(self.jobs[idx % len(self.jobs)]))
        rng = np.random.default_rng([self.seed, idx])
        picks = rng.choice(renderer.plan.num_frames, self.per_scene, replace=False)
        frames, masks = zip(*(segmentation_sample(renderer, int(i)) for i in picks))
        return {"frames": np.stack(frames), "masks": np.stack(masks)}


@DATASETS.register_module()
class ObjectSampleDataset(Dataset):
    """Recogniser samples (``samples.window_objects``) made once (``python -m tempo.models.object_match.cache``),
    memory-mapped, from one cache folder or several; training flips crops left-right with the labels that flip with
    them (moves and turns; every shape and texture is mirror-symmetric)."""

    def __init__(self, cache_dir, training: bool = False):
        from pathlib import Path

        dirs = [cache_dir] if isinstance(cache_dir, (str, Path)) else list(cache_dir)
        self.crops = [np.load(Path(d) / "crops.npy", mmap_mode="r") for d in dirs]
        labels = [np.load(Path(d) / "labels.npy") for d in dirs]
        self.labels = np.concatenate(labels)
        self.where = [(i, j) for i, part in enumerate(labels) for j in range(len(part))]
        self.training = bool(training)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, idx: int) -> dict:
        part, j = self.where[idx]
        crops, labels = np.array(self.crops[part][j:j + 1]), self.labels[idx:idx + 1].copy()
        if self.training and np.random.random() < 0.5:
            crops = np.ascontiguousarray(crops[:, :, :, ::-1])
            labels[:, -1] = [MIRRORED_ACTIONS.get(a, a) for a in labels[:, -1]]
        return {"crops": crops, "labels": labels}

    @property
    def metainfo(self) -> dict:
        return {}


def _mirrored_actions() -> dict:
    names = HEADS["action"]
    pairs = [("move_left", "move_right"), ("rotate_cw", "rotate_ccw")]
    out = {}
    for a, b in pairs:
        out[names.index(a)], out[names.index(b)] = names.index(b), names.index(a)
    return out


MIRRORED_ACTIONS = _mirrored_actions()


@DATASETS.register_module()
class QueryParseDataset(Dataset):
    """Grounding queries (jsonl rows with ``described`` and ``action``) and their MiniLM sentence embeddings
    (``bank``: an .npz of ``qid`` and ``embedding``, made by ``python -m tempo.models.object_match.query_bank``)."""

    def __init__(self, ann_file, bank):
        rows = [json.loads(line) for line in open(ann_file)]
        data = np.load(bank)
        index = {int(q): i for i, q in enumerate(data["qid"])}
        self.embeddings = data["embedding"][[index[r["qid"]] for r in rows]].astype(np.float32)
        self.targets = np.stack([query_targets(r) for r in rows])

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, idx: int) -> dict:
        return {"embedding": self.embeddings[idx], "targets": self.targets[idx]}

    @property
    def metainfo(self) -> dict:
        return {}


def query_targets(row: dict) -> np.ndarray:
    """Per factor the described value's index, or len(values) for "not said"; then the action's index."""
    described = row["described"]
    ids = [FACTORS[k].index(described[k]) if k in described else len(FACTORS[k]) for k in FACTORS]
    return np.asarray(ids + [HEADS["action"].index(row["action"])], np.int64)


@FUNCTIONS.register_module()
def object_stage_collate(items: list) -> dict:
    return {k: torch.from_numpy(np.concatenate([it[k] for it in items])) for k in items[0]}


@FUNCTIONS.register_module()
def query_parse_collate(items: list) -> dict:
    return {k: torch.from_numpy(np.stack([it[k] for it in items])) for k in items[0]}
