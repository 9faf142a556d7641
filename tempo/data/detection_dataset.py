"""Temporal action detection training data: THUMOS/ActivityNet-style JSON + one ``T x C`` ``.npy`` per video.

JSON layout: ``{"database": {video_id: {"subset", "duration", "fps", "annotations": [{"segment": [s, e],
"label", "label_id"}]}}}``. Items follow the official TriDet/ActionFormer dataset: features channels-first,
segments converted to feature-grid units ``(seconds * fps - num_frames / 2) / feat_stride``, and random
truncation / cropping to ``max_seq_len`` when training.
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from tempo.errors import InputError
from tempo.registry import DATASETS


def truncate_video(item: dict, max_seq_len: int, trunc_thresh: float, crop_ratio=None, max_trials: int = 200,
                   rng: random.Random | None = None) -> dict:
    """Random window of at most ``max_seq_len`` features that keeps at least one action (official rule): actions
    that keep >= ``trunc_thresh`` of their length survive, clipped to the window and shifted to its start."""
    rng = rng or random
    feat_len = item["feats"].shape[1]
    if feat_len <= max_seq_len:
        if crop_ratio is None:
            return item
        max_seq_len = rng.randint(max(round(crop_ratio[0] * feat_len), 1),
                                  min(round(crop_ratio[1] * feat_len), feat_len))
        if max_seq_len == feat_len:
            return item
    item = copy.deepcopy(item)
    segs = item["segments"]
    for _ in range(max_trials):
        st = rng.randint(0, feat_len - max_seq_len)
        ed = st + max_seq_len
        left = torch.clamp(segs[:, 0], min=float(st))
        right = torch.clamp(segs[:, 1], max=float(ed))
        inter = (right - left).clamp(min=0)
        keep = inter / torch.abs(segs[:, 1] - segs[:, 0]) >= trunc_thresh
        if keep.any():
            break
    item["feats"] = item["feats"][:, st:ed].clone()
    item["segments"] = torch.stack((left[keep], right[keep]), dim=1) - st
    item["labels"] = item["labels"][keep].clone()
    return item


def clip_to_feature_length(item: dict, trunc_thresh: float) -> dict:
    """Official ActivityNet training rule: drop actions that start after the features end; clip the others at the
    end if at least ``trunc_thresh`` of them remains."""
    stride, frames = item["feat_stride"], item["feat_num_frames"]
    end = item["feats"].shape[1] + 0.5 * frames / stride
    segs, labels = item["segments"], item["labels"]
    keep = (segs[:, 0] < end) & ((torch.clamp(segs[:, 1], max=end) - segs[:, 0]) / (segs[:, 1] - segs[:, 0])
                                 >= trunc_thresh)
    item["segments"] = segs[keep].clamp(max=end)
    item["labels"] = labels[keep]
    return item


@DATASETS.register_module()
class DetectionFeatureDataset(Dataset):
    """One item per video of the selected split(s) that has a feature file."""

    def __init__(self, ann_file, feat_dir, split=("training",), training: bool = False, feat_stride: int = 4,
                 num_frames: int = 16, default_fps: float | None = None, downsample_rate: int = 1,
                 max_seq_len: int = 2304, trunc_thresh: float = 0.5, crop_ratio=None, file_prefix: str = "",
                 file_ext: str = ".npy", num_classes: int | None = None, input_dim: int | None = None,
                 remove_duplicates: bool = False, clip_to_features: bool = False, feat_scale=None):
        """``remove_duplicates`` / ``clip_to_features`` enable the official ActivityNet loader's extra steps
        (drop duplicate annotations; when training, drop actions starting after the features end and clip the
        rest if >= ``trunc_thresh`` of them remains). ``num_classes == 1`` maps every label to 0 (ANet).
        ``feat_scale``: a .npy of per-channel divisors (tempo.models.tridet.input_scale): training on
        unit-scale channels, folded into the first convolution at export so the shipped model reads raw features."""
        self.ann_file, self.feat_dir = Path(ann_file), Path(feat_dir)
        self.split = [split] if isinstance(split, str) else list(split)
        self.training = training
        self.feat_stride, self.num_frames = feat_stride, num_frames
        self.default_fps, self.downsample_rate = default_fps, downsample_rate
        self.max_seq_len, self.trunc_thresh = max_seq_len, trunc_thresh
        self.crop_ratio = crop_ratio
        self.file_prefix, self.file_ext = file_prefix or "", file_ext
        self.input_dim = input_dim
        self.num_classes = num_classes
        self.remove_duplicates, self.clip_to_features = remove_duplicates, clip_to_features
        self.feat_scale = None if feat_scale is None else np.load(feat_scale).astype(np.float32)
        try:
            database = json.loads(self.ann_file.read_text(encoding="utf8"))["database"]
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(str(ann_file), f"not a THUMOS/ActivityNet-style annotation file ({exc})") from exc
        self.label_names = {}
        for entry in database.values():
            for ann in entry.get("annotations", []):
                self.label_names[int(ann["label_id"])] = ann.get("label", str(ann["label_id"]))
        if num_classes not in (None, 1) and self.label_names and max(self.label_names) >= num_classes:
            raise InputError(str(ann_file), f"label_id {max(self.label_names)} >= num_classes {num_classes}")
        self.videos = [self._record(vid, entry) for vid, entry in database.items()
                       if entry["subset"].lower() in self.split and self.feature_path(vid).is_file()]

    @property
    def metainfo(self) -> dict:
        return {"ann_file": str(self.ann_file), "split": self.split, "label_names": dict(self.label_names)}

    def feature_path(self, vid: str) -> Path:
        return self.feat_dir / f"{self.file_prefix}{vid}{self.file_ext}"

    def _record(self, vid: str, entry: dict) -> dict:
        if self.default_fps is not None:
            fps = self.default_fps
        elif "fps" in entry:
            fps = entry["fps"]
        else:
            raise InputError(str(self.ann_file), f"video {vid} has no fps and no default_fps is set")
        anns = entry.get("annotations", [])
        if self.remove_duplicates:
            from tempo.eval.detection import remove_duplicate_annotations
            anns = remove_duplicate_annotations(anns)
        segments = np.asarray([a["segment"] for a in anns], dtype=np.float32).reshape(-1, 2)
        labels = np.asarray([0 if self.num_classes == 1 else int(a["label_id"]) for a in anns], dtype=np.int64)
        return {"id": vid, "fps": fps, "duration": entry.get("duration", 1e8), "segments": segments,
                "labels": labels}

    def __len__(self):
        return len(self.videos)

    def __getitem__(self, idx: int) -> dict:
        rec = self.videos[idx]
        path = self.feature_path(rec["id"])
        try:
            feats = np.load(path).astype(np.float32)
        except (OSError, ValueError) as exc:
            raise InputError(str(path), f"cannot read features ({exc})") from exc
        if feats.ndim != 2 or (self.input_dim is not None and feats.shape[1] != self.input_dim):
            raise InputError(str(path), f"expected T x {self.input_dim or 'C'} features, got {feats.shape}")
        feats = feats[::self.downsample_rate]
        if self.feat_scale is not None:
            feats = feats / self.feat_scale
        stride = self.feat_stride * self.downsample_rate
        item = {
            "video_id": rec["id"],
            "feats": torch.from_numpy(np.ascontiguousarray(feats.T)),
            "segments": torch.from_numpy((rec["segments"] * rec["fps"] - 0.5 * self.num_frames) / stride),
            "labels": torch.from_numpy(rec["labels"]),
            "fps": rec["fps"], "duration": rec["duration"], "feat_stride": stride,
            "feat_num_frames": self.num_frames,
        }
        if self.training and self.clip_to_features and len(item["labels"]) > 0:
            item = clip_to_feature_length(item, self.trunc_thresh)
        if self.training and len(item["labels"]) > 0:
            item = truncate_video(item, self.max_seq_len, self.trunc_thresh, self.crop_ratio)
        elif self.training and item["feats"].shape[1] > self.max_seq_len:
            item["feats"] = item["feats"][:, :self.max_seq_len]  # no action to keep: any window will do
        return item
