"""Training windows for the text-aligned clip network: one item = the clip of one window, the captions it is
shown with (their frozen sentence embeddings) and what the batch needs to label every window against every
caption of the batch (``text_clip_collate``).

Windows are ``window_frames`` frames every ``stride`` frames (the feature rows; 16 and 4 at 15 fps: rows every
0.27 s, each seeing 1.07 s), of which the network sees ``clip_frames`` evenly spaced. A window's *centre* (its
middle half) is what a positive caption must cover; a negative must touch no part of the whole window.
"""
from __future__ import annotations

import numpy as np
import torch
from mmengine.registry import FUNCTIONS
from torch.utils.data import Dataset

from tempo.errors import InputError
from tempo.registry import DATASETS

from .bank import CaptionBank
from .frames import cached_frames, split_jobs
from .instances import InstanceTable, action_coverage, instance_table, pair_labels
from .semantics import from_ids
from .sampling import KIND_HARD, KIND_POSITIVE, window_captions


def clip_positions(first: int, window_frames: int, clip_frames: int) -> np.ndarray:
    """The frames of a window the network sees: as ``tempo.features.windows.WindowPlan.clip_positions`` picks
    them at extraction (not imported: that package loads every backbone, and this one must run without)."""
    return first + np.floor(np.arange(clip_frames) * window_frames / clip_frames).astype(np.int64)


@DATASETS.register_module()
class TextClipWindowDataset(Dataset):
    """Windows of ``tempo synth --task ground`` scenes, rendered from their plans.

    Args:
        sources: ``[{"preset": "small", "seed": 0, "split": "train"}, ...]`` (``split``: train / val / test).
        bank: the caption bank ``.npz`` (``python -m tempo.models.text_clipnet.bank``).
        cache_dir: where rendered frames are kept.
        input_size, clip_frames, window_frames, stride: as the feature backbone will see videos.
        window_step: one item every ``window_step`` windows (training picks a random window of each group).
        positives, randoms: captions per window (each positive brings its hard negatives).
        training: random windows, captions and mirror flips; else a fixed draw per item (repeatable metrics).
        workers: processes that render missing frames.
    """

    def __init__(self, sources, bank, cache_dir="data/text_clip_frames", input_size: int = 96,
                 clip_frames: int = 8, window_frames: int = 16, stride: int = 4, window_step: int = 1,
                 positives: int = 2, randoms: int = 2, training: bool = False, hflip_prob: float = 0.5,
                 workers: int = 1, max_videos: int | None = None):
        self.input_size, self.clip_frames = int(input_size), int(clip_frames)
        self.window_frames, self.stride, self.window_step = int(window_frames), int(stride), max(int(window_step), 1)
        self.positives, self.randoms, self.training = int(positives), int(randoms), bool(training)
        self.hflip_prob = float(hflip_prob) if training else 0.0
        jobs = []
        for src in ([sources] if isinstance(sources, dict) else sources):
            jobs += split_jobs(src["preset"], int(src["seed"]), src.get("split", "train"))
        jobs = jobs[:max_videos]
        if not jobs:
            raise InputError(str(sources), "no videos in these sources")
        self.bank = CaptionBank(bank)
        self.pool = from_ids(self.bank.ids)
        from tempo.data.synth.seeding import scene_plan

        plans = [scene_plan(j) for j in jobs]
        self.fps = [float(p.fps) for p in plans]
        self.tables = [instance_table(p) for p in plans]
        self.frames = cached_frames(jobs, self.input_size, cache_dir, workers)
        self.items = []
        for v, frames in enumerate(self.frames):
            n = max(0, (len(frames) - self.window_frames) // self.stride + 1)
            self.items += [(v, w) for w in range(0, n, self.window_step)]
        self.num_windows = [max(0, (len(f) - self.window_frames) // self.stride + 1) for f in self.frames]

    @property
    def metainfo(self) -> dict:
        return {"videos": len(self.frames), "windows": len(self.items)}

    def __len__(self) -> int:
        return len(self.items)

    def window_times(self, video: int, window: int) -> tuple:
        """(centre, full) windows in seconds."""
        fps = self.fps[video]
        t0 = window * self.stride / fps
        t1 = t0 + self.window_frames / fps
        q = (t1 - t0) / 4
        return np.array([[t0 + q, t1 - q]]), np.array([[t0, t1]])

    def __getitem__(self, idx: int) -> dict:
        video, window = self.items[idx]
        if self.training:
            # a fresh generator per item from numpy's global state (mmengine seeds it per run and worker)
            rng = np.random.default_rng(np.random.randint(2**31))
            last = min(window + self.window_step, self.num_windows[video]) - 1
            window = int(rng.integers(window, last + 1))
        else:
            rng = np.random.default_rng([17, idx])
        clip = np.asarray(self.frames[video][clip_positions(window * self.stride, self.window_frames,
                                                            self.clip_frames)])
        table = self.tables[video]
        flip = rng.random() < self.hflip_prob
        if flip:
            clip, table = clip[:, :, ::-1], table.flipped()
        centre, full = self.window_times(video, window)
        sems, kinds = window_captions(table, centre[0], rng, self.pool, self.positives, self.randoms)
        known = self.bank.contains(sems)  # a small (test) bank covers fewer meanings
        sems, kinds = sems[known], kinds[known]
        return {"clip": torch.from_numpy(np.ascontiguousarray(clip)), "sems": sems, "kinds": kinds,
                "text": self.bank.embeddings(sems), "table": table.as_arrays(), "centre": centre, "full": full,
                "actions": action_coverage(table, centre[0]).astype(np.float32)}


@FUNCTIONS.register_module()
def text_clip_collate(items: list) -> dict:
    """Stack the clips; put every caption of the batch in one list and label each window against all of them.
    ``own``: (B, C) 1 for a window's own positive / hard-negative captions (the binding metric's pairs)."""
    sems = np.concatenate([it["sems"] for it in items])
    labels = np.stack([pair_labels(InstanceTable(*it["table"]), sems, it["centre"], it["full"]) for it in items])
    own = np.zeros(labels.shape, np.int8)
    start = 0
    for b, it in enumerate(items):
        k = len(it["sems"])
        own[b, start:start + k] = np.isin(it["kinds"], (KIND_POSITIVE, KIND_HARD))
        start += k
    return {"clips": torch.stack([it["clip"] for it in items]),
            "text": torch.from_numpy(np.concatenate([it["text"] for it in items])),
            "labels": torch.from_numpy(labels), "own": torch.from_numpy(own),
            "actions": torch.from_numpy(np.stack([it["actions"] for it in items]))}
