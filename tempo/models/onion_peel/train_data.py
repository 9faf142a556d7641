"""Training clips for OPN: T consecutive frames cropped from synth complete videos (with their hole masks)
and/or real footage (with synthetic moving boxes as holes). Items are dicts ``inputs`` [T,3,H,W] in [0,1]
and ``holes`` [T,1,H,W]; mmengine's ``pseudo_collate`` turns a batch into lists, as OPNTrainer expects."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset as TorchDataset

from ...registry import DATASETS


def _moving_box(rng, t, h, w):
    """A box of 15-30 % of the crop moving linearly: one hole per frame."""
    bh, bw = int(h * rng.uniform(0.15, 0.3)), int(w * rng.uniform(0.15, 0.3))
    y0, x0 = rng.integers(0, h - bh), rng.integers(0, w - bw)
    vy, vx = rng.uniform(-3, 3, 2)
    holes = np.zeros((t, h, w), bool)
    for i in range(t):
        y = int(np.clip(y0 + vy * i, 0, h - bh)); x = int(np.clip(x0 + vx * i, 0, w - bw))
        holes[i, y:y + bh, x:x + bw] = True
    return holes


@DATASETS.register_module(name="OnionPeelClips")
class OnionPeelClips(TorchDataset):
    def __init__(self, synth_dir=None, split="train", videos=(), clip_len=3, crop=(96, 160), length=200,
                 seed=0):
        self.clip_len, self.crop, self.length, self.seed = clip_len, tuple(crop), length, seed
        self.sources = []  # (video path, mask path or None)
        if synth_dir:
            doc = json.loads((Path(synth_dir) / "annotations" / "complete.json").read_text())
            subset = {"train": "training", "val": "validation", "test": "testing"}[split]
            self.sources += [(Path(synth_dir) / r["video"], Path(synth_dir) / r["mask"])
                             for r in doc["clips"].values() if r["subset"] == subset]
        self.sources += [(Path(v), None) for v in videos]
        if not self.sources:
            raise ValueError("no training videos")

    def __len__(self):
        return self.length

    def __getitem__(self, idx):
        from ...io import VideoReader

        rng = np.random.default_rng((self.seed, idx))
        video, mask = self.sources[rng.integers(len(self.sources))]
        reader = VideoReader(str(video))
        n, (ch, cw) = reader.info.num_frames, self.crop
        start = int(rng.integers(0, max(1, n - self.clip_len)))
        idx_ = [min(start + i, n - 1) for i in range(self.clip_len)]
        frames = reader.get_frames(idx_)
        h, w = frames.shape[1:3]
        ch, cw = min(ch, h), min(cw, w)
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        frames = frames[:, y:y + ch, x:x + cw]
        if mask is not None:
            holes = VideoReader(str(mask)).get_frames(idx_)[:, y:y + ch, x:x + cw, 0] >= 128
            if not holes[0].any() or holes.all(axis=(1, 2)).any():
                holes = _moving_box(rng, self.clip_len, ch, cw)
        else:
            holes = _moving_box(rng, self.clip_len, ch, cw)
        return {"inputs": torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255,
                "holes": torch.from_numpy(holes[:, None].astype(np.float32))}
