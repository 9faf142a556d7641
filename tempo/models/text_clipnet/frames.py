"""Frames of the synthetic grounding videos at the network's input size, rendered straight from the scene plans
(``tempo.data.synth``: the same frames ``tempo synth`` encodes, any frame on its own) and cached as uint8 ``.npy``
files. Rendering needs no decoder, so training runs where no video library is installed (a GPU box).

Frames are resized the way feature extraction sees a video: short side to ``size`` (area filter), centre crop.
"""
from __future__ import annotations

import io
import multiprocessing
import os
from pathlib import Path

import cv2
import numpy as np

from tempo.data.synth.render import SceneRenderer
from tempo.data.synth.seeding import Job, scene_plan, jobs_for


def fit_square(frame: np.ndarray, size: int) -> np.ndarray:
    h, w = frame.shape[:2]
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    small = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA)
    y0, x0 = (nh - size) // 2, (nw - size) // 2
    return small[y0:y0 + size, x0:x0 + size]


def render_video(plan, size: int) -> np.ndarray:
    renderer = SceneRenderer(plan)
    return np.stack([fit_square(renderer.frame(i), size) for i in range(plan.num_frames)])


def cache_file(cache_dir, job: Job, size: int) -> Path:
    return Path(cache_dir) / f"{job.preset.name}_seed{job.seed}_{size}px" / f"{job.vid}.npy"


def _render_job(args) -> str:
    job, size, path = args
    frames = render_video(scene_plan(job), size)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    buf = io.BytesIO()
    np.save(buf, frames)
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)  # atomic: a half-written cache file is never read
    return str(path)


def split_jobs(preset: str, seed: int, split: str) -> list:
    return [j for j in jobs_for("ground", preset, seed, "-") if j.split == split]


def cached_frames(jobs: list, size: int, cache_dir, workers: int = 1) -> list:
    """Memory-mapped (N, size, size, 3) uint8 frames per job, rendering the missing ones (``workers``
    processes)."""
    todo = [(j, size, cache_file(cache_dir, j, size)) for j in jobs]
    missing = [t for t in todo if not t[2].is_file()]
    if missing:
        from tempo.progress import track

        if workers > 1:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for _ in track(pool.imap_unordered(_render_job, missing), f"render {len(missing)} videos",
                               total=len(missing)):
                    pass
        else:
            for t in track(missing, f"render {len(missing)} videos"):
                _render_job(t)
    return [np.load(path, mmap_mode="r") for _, _, path in todo]
