"""Stream a video through a backbone into one feature array (T × C) plus its metadata.

Memory is bounded: frames are decoded ``chunk_size`` at a time (already resized by the decoder);
a per-frame backbone folds each chunk into the window sums at once, a clip backbone keeps only the
frames that windows still waiting for their last frame need.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy import sparse

from ..io import VideoReader, probe
from .base import Backbone, center_crop, resize_short_side, short_side_size
from .windows import WindowPlan, centered_windows, detect_windows, ground_windows

LAYOUTS = ("detect", "ground", "centered")
AREA_BATCH = 8  # full-size frames decoded at once for an area_resize backbone


@dataclass
class FeatureConfig:
    """How features are cut from a video (everything here enters the cache key).

    layout: "detect" (T×C over sliding windows, TriDet/ActionFormer), "ground" (one feature per
        ``clip_len`` seconds, Moment-DETR/QVHighlights) or "centered" (one feature per ``stride`` frames, each
        from a ``num_frames`` window centred on it: a fine grounding grid for a clip network).
    fps: decode rate; None keeps the native rate.
    num_frames, stride: window length and step in decoded frames (detect layout).
    frame_step: sampling step of a per-frame backbone (default: stride).
    clip_len: seconds per grounding clip.
    size: short side after resize (default: the backbone's input size); crop: centre crop side
        (True: the backbone's input size; False/0: keep the whole resized frame).
    fp16: store features as float16.
    """

    layout: str = "detect"
    fps: float | None = None
    num_frames: int = 16
    stride: int = 4
    frame_step: int | None = None
    clip_len: float = 2.0
    size: int | None = None
    crop: int | bool = True
    fp16: bool = False
    chunk_size: int = 64

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        if self.num_frames < 1 or self.stride < 1 or (self.frame_step is not None and self.frame_step < 1):
            raise ValueError("num_frames, stride and frame_step must be >= 1")
        if self.clip_len <= 0 or (self.fps is not None and self.fps <= 0):
            raise ValueError("clip_len and fps must be > 0")

    def to_dict(self) -> dict:
        return asdict(self)


def short_side_reader(video, size: int) -> VideoReader:
    """A reader whose decoder already resizes the short side to ``size`` (aspect kept), as every backbone reads."""
    info = probe(video)
    h, w = short_side_size(info.height, info.width, size)
    return VideoReader(video, width=w, height=h)


def extract_video(video, backbone: Backbone, cfg: FeatureConfig, on_frames=None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Return (features (T, C), spans (T, 2) seconds, metadata). ``on_frames(n)`` reports decode progress."""
    if backbone.kind == "stack":
        return _extract_stack(video, backbone, cfg, on_frames)
    size = cfg.size or getattr(backbone, "resize_size", None) or backbone.input_size
    crop = backbone.input_size if cfg.crop is True else (int(cfg.crop) or None)
    reader = VideoReader(video) if backbone.area_resize else short_side_reader(video, size)
    if cfg.fps:
        order = reader.indices_at_fps(cfg.fps)
        fps = float(cfg.fps)
        times = np.arange(len(order)) / fps
    else:
        order = np.arange(len(reader))
        fps = float(reader.fps)
        times = reader.frame_times()
    step = cfg.frame_step or cfg.stride
    if cfg.layout == "detect":
        plan = detect_windows(len(order), fps, cfg.num_frames, cfg.stride, step)
    elif cfg.layout == "centered":
        plan = centered_windows(len(order), fps, cfg.num_frames, cfg.stride, step)
    else:
        plan = ground_windows(times, reader.duration, cfg.clip_len, step)

    def decoded(positions):
        for start in range(0, len(positions), cfg.chunk_size):
            pos = positions[start:start + cfg.chunk_size]
            if backbone.area_resize:  # full-size frames a few at a time: memory stays small at any resolution
                frames = np.concatenate([resize_short_side(reader.get_frames(order[pos[i:i + AREA_BATCH]]), size)
                                         for i in range(0, len(pos), AREA_BATCH)])
            else:
                frames = reader.get_frames(order[pos])
            frames = center_crop(frames, crop)
            if on_frames:
                on_frames(len(pos))
            yield pos, frames

    if backbone.kind == "frame":
        feats = _pool_frames(plan, backbone, decoded)
    else:
        feats = _run_clips(plan, backbone, decoded, backbone.num_frames or cfg.num_frames, len(order))
    feats = feats.astype(np.float16 if cfg.fp16 else np.float32)
    reader.warn_lost()  # damaged frames were skipped (the nearest good one stood in): say which
    meta = {"layout": cfg.layout, "backbone": backbone.describe(), "fps": fps, "native_fps": float(reader.fps),
            "duration": float(reader.duration), "n_frames": int(len(order)), "n_features": int(len(plan)),
            "feature_dim": int(feats.shape[1]), "dtype": str(feats.dtype), "frame_step": int(step),
            "size": int(size), "crop": crop, "lost_frames": reader.lost_summary()}
    if cfg.layout == "detect":
        meta.update(feat_stride=cfg.stride, num_frames=cfg.num_frames)
    elif cfg.layout == "centered":
        meta.update(feat_stride=cfg.stride, num_frames=cfg.num_frames, clip_len=cfg.stride / fps)
    else:
        meta.update(clip_len=cfg.clip_len)
    return feats, plan.spans.astype(np.float32), meta


def _extract_stack(video, backbone, cfg: FeatureConfig, on_frames=None):
    """Each part decodes at its own size over the same windows; rows line up, channels concatenate.
    Progress counts each decoded frame once over all parts (the caller's total is one pass)."""
    share = 1.0 / len(backbone.parts)
    report = (lambda n: on_frames(n * share)) if on_frames else None  # noqa: E731
    # a composite may decode each part its own way over the same grid (SlowFastCLIP: 30 fps clips + one CLIP frame)
    settings = getattr(backbone, "part_settings", None) or [{}] * len(backbone.parts)
    runs = [extract_video(video, part, replace(cfg, **extra), report) for part, extra in zip(backbone.parts, settings)]
    if getattr(backbone, "normalize_blocks", False):  # each part's rows L2-normalised on their own
        runs = [(f / np.maximum(np.linalg.norm(f.astype(np.float32), axis=1, keepdims=True), 1e-12).astype(f.dtype),
                 s, m) for f, s, m in runs]
    lengths = {len(feats) for feats, _, _ in runs}
    if len(lengths) != 1:  # cannot happen with one window plan; guards a part that resamples on its own
        raise ValueError(f"stacked backbones cut different numbers of windows: {sorted(lengths)}")
    feats = np.concatenate([f for f, _, _ in runs], axis=1)
    return feats, runs[0][1], stack_meta(backbone, [m for _, _, m in runs], feats.shape[1])


def stack_meta(backbone, part_metas: list, feature_dim: int) -> dict:
    """A stack's metadata from its parts' (windows are shared; sizes and sampling are per part)."""
    return {**part_metas[0], "backbone": backbone.describe(), "feature_dim": int(feature_dim),
            **{key: [m[key] for m in part_metas] for key in ("size", "crop", "frame_step")}}


def _pool_frames(plan: WindowPlan, backbone, decoded) -> np.ndarray:
    """Each sampled frame runs through the backbone once; windows average their samples."""
    sampled = [plan.sampled(i) for i in range(len(plan))]
    needed = np.unique(np.concatenate(sampled))
    rows = np.concatenate([np.full(len(s), i) for i, s in enumerate(sampled)])
    cols = np.searchsorted(needed, np.concatenate(sampled))
    vals = np.concatenate([np.full(len(s), 1.0 / len(s)) for s in sampled])
    weights = sparse.csc_matrix((vals, (rows, cols)), shape=(len(plan), len(needed)))
    out = np.zeros((len(plan), backbone.feature_dim), np.float64)
    done = 0
    previous = None  # a motion stream pairs each sampled frame with the one sampled before it
    for pos, frames in decoded(needed):
        if getattr(backbone, "uses_previous_frame", False):
            f = backbone.forward_frames(frames, previous=previous)
        else:
            f = backbone.forward_frames(frames)
        out += weights[:, done:done + len(pos)] @ f.astype(np.float64)
        done += len(pos)
        previous = frames[-1]
    return out


def _run_clips(plan: WindowPlan, backbone, decoded, clip_frames: int, n_positions: int) -> np.ndarray:
    """Windows run as soon as their last frame is decoded; frames no pending window needs are dropped.
    A backbone with ``frames_after = k`` (a flow stream: the flow of a window's last frame needs the next one)
    gets each clip with the k frames after it appended (the video's last frame repeats past its end)."""
    clips = [plan.clip_positions(i, clip_frames) for i in range(len(plan))]
    extra = int(getattr(backbone, "frames_after", 0))
    if extra:
        clips = [np.concatenate([c, np.minimum(c[-1] + np.arange(1, extra + 1), n_positions - 1)]) for c in clips]
    needed = np.unique(np.concatenate(clips))
    last = np.array([c.max() for c in clips])
    first = np.array([c.min() for c in clips])
    results: list[np.ndarray] = []
    buffer: dict[int, np.ndarray] = {}
    nxt = 0  # next window to run (windows end in increasing order)

    def flush(upto):
        nonlocal nxt
        while nxt < len(plan) and last[nxt] <= upto:
            group = []
            while nxt < len(plan) and last[nxt] <= upto and len(group) < max(1, getattr(backbone, "batch_size", 4)):
                group.append(np.stack([buffer[int(p)] for p in clips[nxt]]))
                nxt += 1
            results.append(backbone.forward_clips(np.stack(group)))

    for pos, frames in decoded(needed):
        buffer.update(zip(pos.tolist(), frames))
        flush(int(pos[-1]))
        keep_from = first[nxt] if nxt < len(plan) else np.inf  # window starts never go back
        for p in [p for p in buffer if p < keep_from]:
            del buffer[p]
    flush(np.inf)
    return np.concatenate(results)
