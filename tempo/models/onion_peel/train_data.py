"""Training clips for OPN: T frames cropped from synth complete videos (with their hole masks) and/or real
footage (with the synth generator's hole masks: blobs, moving silhouettes, strokes). Items are dicts
``inputs`` [T,3,H,W] in [0,1] and ``holes`` [T,1,H,W]; frame 0 is the target, the others its memory.
mmengine's ``pseudo_collate`` turns a batch into lists, as OPNTrainer expects."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset as TorchDataset

from ...registry import DATASETS
from ..common.source_mix import pick_source

REAL_FPS = 15.0  # the time base the synthetic masks move with on real footage


def _moving_box(rng, t, h, w):
    """A box of 15-30 % of the crop moving linearly: one hole per frame (fallback for degenerate masks)."""
    bh, bw = int(h * rng.uniform(0.15, 0.3)), int(w * rng.uniform(0.15, 0.3))
    y0, x0 = rng.integers(0, h - bh), rng.integers(0, w - bw)
    vy, vx = rng.uniform(-3, 3, 2)
    holes = np.zeros((t, h, w), bool)
    for i in range(t):
        y = int(np.clip(y0 + vy * i, 0, h - bh))
        x = int(np.clip(x0 + vx * i, 0, w - bw))
        holes[i, y:y + bh, x:x + bw] = True
    return holes


def _synthetic_holes(rng, frame_ids, h, w):
    """The synth generator's masks (static blobs, moving silhouettes, strokes) drawn at ``frame_ids``."""
    from ...data.synth.masks import HoleMask

    mask = HoleMask(rng, w, h, REAL_FPS)
    return np.stack([mask(int(i)) > 0 for i in frame_ids])


def _usable(holes: np.ndarray) -> bool:
    """The target has a hole and no frame is entirely hole (the peel needs a known pixel)."""
    return bool(holes[0].any()) and not holes.reshape(len(holes), -1).all(axis=1).any()


@DATASETS.register_module(name="OnionPeelClips")
class OnionPeelClips(TorchDataset):
    """``length`` random clips of ``clip_len`` frames, ``max_stride`` apart at most (so memory frames see
    the hole region uncovered more often), cropped to ``crop`` (H, W). Real ``videos`` are decoded once at
    ``real_width`` pixels wide (their first ``real_max_frames`` frames) and kept in memory. A ``videos``
    entry may be ``path@N``: only its first N frames (the rest stays held out for evaluation).

    ``independent_memory_holes``: the chance that each memory frame gets its own freshly drawn mask instead
    of the clip's (the OPN paper trains with random masks per frame). Then the target's hole content is
    usually visible in the memory, which is the signal that teaches the memory read to copy; with the clip's
    own slowly moving masks it rarely is, and a short training learns a spatial fill only."""

    def __init__(self, synth_dir=None, split="train", videos=(), clip_len=3, crop=(96, 160), length=200,
                 max_stride=1, real_width=320, real_max_frames=150, real_fraction=None, seed=0,
                 independent_memory_holes=0.0, min_stride=1):
        self.independent_memory_holes = independent_memory_holes
        # min_stride=0 lets a clip repeat one frame: with independent holes the memory then holds the target's
        # exact hole content, the easiest case of the copy the memory read has to learn (a curriculum start).
        self.min_stride = min_stride
        self.clip_len, self.crop, self.length, self.seed = clip_len, tuple(crop), length, seed
        self.max_stride, self.real_width, self.real_max_frames = max_stride, real_width, real_max_frames
        self.real_fraction = real_fraction  # chance an item comes from real footage (None: by source count)
        self.sources = []  # (video path, mask path or None)
        if synth_dir:
            doc = json.loads((Path(synth_dir) / "annotations" / "complete.json").read_text())
            subset = {"train": "training", "val": "validation", "test": "testing"}[split]
            self.sources += [(Path(synth_dir) / r["video"], Path(synth_dir) / r["mask"])
                             for r in doc["clips"].values() if r["subset"] == subset]
        self._limit: dict[Path, int] = {}
        for v in videos:
            path, _, limit = str(v).partition("@")
            self.sources.append((Path(path), None))
            if limit:
                self._limit[Path(path)] = int(limit)
        if not self.sources:
            raise ValueError("no training videos")
        self._real: dict[Path, np.ndarray] = {}

    def __len__(self):
        return self.length

    def _real_frames(self, path: Path) -> np.ndarray:
        if path not in self._real:
            from ...io import VideoReader

            reader = VideoReader(str(path), width=min(self.real_width, VideoReader(str(path)).info.width) // 2 * 2)
            n = min(len(reader), self.real_max_frames, self._limit.get(path, self.real_max_frames))
            self._real[path] = np.concatenate([c for _, c in reader.iter_chunks(32, list(range(n)))])
        return self._real[path]

    def _pick(self, rng) -> int:
        real = [i for i, (_, m) in enumerate(self.sources) if m is None]
        synth = [i for i, (_, m) in enumerate(self.sources) if m is not None]
        return pick_source(rng, synth, real, self.real_fraction)

    def __getitem__(self, idx):
        from ...io import VideoReader

        rng = np.random.default_rng((self.seed, idx))
        video, mask = self.sources[self._pick(rng)]
        frames_all = self._real_frames(video) if mask is None else None
        n = len(frames_all) if frames_all is not None else VideoReader(str(video)).info.num_frames
        stride = int(rng.integers(self.min_stride, self.max_stride + 1))
        span = stride * (self.clip_len - 1)
        start = int(rng.integers(0, max(1, n - span)))
        order = [start + stride * i for i in range(self.clip_len)]
        if rng.random() < 0.5:  # the target is sometimes the last frame: memory from the past and the future
            order = order[::-1]
        ids = [min(i, n - 1) for i in order]
        frames = frames_all[ids] if frames_all is not None else VideoReader(str(video)).get_frames(ids)
        h, w = frames.shape[1:3]
        ch, cw = min(self.crop[0], h), min(self.crop[1], w)
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        frames = frames[:, y:y + ch, x:x + cw]
        if mask is not None:
            holes = VideoReader(str(mask)).get_frames(ids)[:, y:y + ch, x:x + cw, 0] >= 128
        else:
            holes = _synthetic_holes(rng, [i - min(order) for i in order], ch, cw)
        # (no draw at 0: old clips stay)
        if self.independent_memory_holes and rng.random() < self.independent_memory_holes:
            for i in range(1, len(holes)):
                holes[i] = _synthetic_holes(rng, [int(rng.integers(0, 60))], ch, cw)[0]
        if not _usable(holes):
            holes = _moving_box(rng, self.clip_len, ch, cw)
        return {"inputs": torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255,
                "holes": torch.from_numpy(holes[:, None].astype(np.float32))}
