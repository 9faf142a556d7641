"""Training windows for the action clip network: one item = the clip of one detection window and its targets.

Videos are decoded once, the way ``tempo.features.extract.extract_video`` decodes for a backbone with
``input_size`` S (short side resized to S by the decoder, then a centre S x S crop), into a uint8 ``.npy``
(N, S, S, 3) under ``cache_dir/<dataset folder name>/<video id>.npy``. A cache file is reused while it is newer
than its video and has the right frame size; items read it memory-mapped (forked workers share the pages).

A clip samples ``clip_frames`` frames of its window exactly as the feature backbone does at extraction time
(``WindowPlan.clip_positions``), so the network trains on the inputs it will see.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from tempo.errors import InputError
from tempo.features.base import center_crop
from tempo.features.extract import short_side_reader
from tempo.features.windows import detect_windows
from tempo.io.atomic import atomic_write
from tempo.progress import track
from tempo.registry import DATASETS

from .augment import ClipAugmentation
from .network import clips_to_input
from .targets import entry_targets


def dataset_root(ann_file: Path) -> Path:
    """``<root>/annotations/detect.json`` (what ``tempo synth`` writes) -> ``<root>``; else the file's folder."""
    return ann_file.parent.parent if ann_file.parent.name == "annotations" else ann_file.parent


def decode_frames(video: Path, size: int) -> np.ndarray:
    """Every frame of ``video`` as (N, size, size, 3) uint8 RGB, as extract_video decodes for ``input_size``."""
    reader = short_side_reader(video, size)
    chunks = [center_crop(frames, size) for _, frames in reader.iter_chunks(128)]
    return np.ascontiguousarray(np.concatenate(chunks))


def cached_frames(video: Path, cache_file: Path, size: int) -> np.ndarray:
    """The decoded frames of ``video``, from ``cache_file`` when it is valid (else decoded and written there)."""
    if cache_file.is_file() and cache_file.stat().st_mtime >= video.stat().st_mtime:
        frames = np.load(cache_file, mmap_mode="r")
        if frames.ndim == 4 and frames.shape[1:] == (size, size, 3) and frames.dtype == np.uint8 and len(frames):
            return frames
    frames = decode_frames(video, size)
    buf = io.BytesIO()
    np.save(buf, frames)
    atomic_write(cache_file, buf.getvalue())
    return np.load(cache_file, mmap_mode="r")


@DATASETS.register_module()
class ActionClipWindowDataset(Dataset):
    """Windows of the videos in ``split`` of every annotation file (THUMOS-style ``database``; e.g. one
    ``tempo synth --task detect`` output per seed).

    Args:
        ann_files: one annotation file or a list of them. Videos are ``<root>/<entry["video"]>`` (root: the
            folder above ``annotations/``), or ``<root>/videos/<id>.mp4`` when an entry names none.
        split: subset name(s), e.g. "training" or ["training", "validation"].
        cache_dir: where decoded frames are kept.
        class_names: the classes, label_id = index (default: the annotation file's ``classes``).
        clip_frames, window_frames, stride, input_size: the clip (frames per clip, window length and step in
            decoded frames, frame side) the feature backbone uses.
        window_step: one item every ``window_step`` windows (neighbouring windows overlap by 3/4); when
            training, each item picks a random window of its group, so every window is seen over the epochs.
        training: augment (``augment`` = ``ClipAugmentation`` arguments; its pairs name classes) and jitter.
    """

    def __init__(self, ann_files, split=("training",), cache_dir="data/frames64", class_names=None,
                 clip_frames: int = 8, window_frames: int = 16, stride: int = 4, input_size: int = 64,
                 window_step: int = 1, training: bool = False, augment: dict | None = None):
        self.ann_files = [Path(p) for p in ([ann_files] if isinstance(ann_files, (str, Path)) else ann_files)]
        self.split = [split] if isinstance(split, str) else list(split)
        self.cache_dir = Path(cache_dir)
        self.clip_frames, self.window_frames, self.stride = int(clip_frames), int(window_frames), int(stride)
        self.input_size, self.window_step, self.training = int(input_size), max(int(window_step), 1), training
        self.class_names = list(class_names) if class_names is not None else None
        records = []
        for ann_file in self.ann_files:
            records += self._read(ann_file)
        if not records:
            raise InputError(", ".join(map(str, self.ann_files)), f"no videos in split {self.split}")
        self.video_ids, self.frames, self.targets = [], [], []
        for vid, video, entry, cache_file in track(records, "decode clips"):
            frames = cached_frames(video, cache_file, self.input_size)
            self.video_ids.append(vid)
            self.frames.append(frames)
            self.targets.append(entry_targets(entry, len(frames), len(self.class_names), self.window_frames,
                                              self.stride))
        self.plans = [detect_windows(len(f), 1.0, self.window_frames, self.stride) for f in self.frames]
        # (video, first window of the group) per item
        self.items = [(v, w) for v, t in enumerate(self.targets) for w in range(0, len(t), self.window_step)]
        self.augment = ClipAugmentation(self.class_names, **(augment or {})) if training else None

    def _read(self, ann_file: Path) -> list:
        try:
            doc = json.loads(ann_file.read_text(encoding="utf8"))
            database = doc["database"]
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(ann_file, f"not a THUMOS/ActivityNet-style annotation file ({exc})") from None
        classes = doc.get("classes")
        if self.class_names is None:
            if not classes:
                raise InputError(ann_file, "the file lists no `classes`: give class_names")
            self.class_names = list(classes)
        elif classes and list(classes) != self.class_names:
            raise InputError(ann_file, f"its classes {classes} differ from class_names {self.class_names}")
        root = dataset_root(ann_file)
        records = []
        for vid, entry in sorted(database.items()):
            if entry.get("subset", "").lower() not in self.split:
                continue
            if any(int(a["label_id"]) >= len(self.class_names) for a in entry.get("annotations", [])):
                raise InputError(ann_file, f"{vid}: label_id beyond the {len(self.class_names)} classes")
            video = root / entry.get("video", f"videos/{vid}.mp4")
            if not video.is_file():
                raise InputError(video, f"video of {vid} ({ann_file}) not found")
            records.append((vid, video, entry, self.cache_dir / root.name / f"{vid}.npy"))
        return records

    @property
    def metainfo(self) -> dict:
        return {"class_names": list(self.class_names), "split": self.split,
                "ann_files": [str(p) for p in self.ann_files]}

    def __len__(self) -> int:
        return len(self.items)

    def clip(self, video: int, window: int) -> np.ndarray:
        """(clip_frames, S, S, 3) uint8 frames of one window."""
        return np.asarray(self.frames[video][self.plans[video].clip_positions(window, self.clip_frames)])

    def __getitem__(self, idx: int) -> dict:
        video, window = self.items[idx]
        rng = None
        if self.training:
            # a fresh generator per item seeded from numpy's global state, which mmengine seeds per run and per
            # worker: runs repeat for a seed, and forked workers do not replay each other's draws
            rng = np.random.default_rng(np.random.randint(2**31))
            last = min(window + self.window_step, len(self.targets[video])) - 1
            window = int(rng.integers(window, last + 1))
        clip = clips_to_input(self.clip(video, window)[None])[0]  # (3, T, S, S)
        targets = self.targets[video][window]
        if self.augment is not None:
            clip, targets = self.augment(clip, targets, rng)
        return {"inputs": clip, "targets": torch.from_numpy(np.asarray(targets, np.float32))}
