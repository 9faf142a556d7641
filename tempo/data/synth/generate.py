"""``generate(task, preset, seed, out_dir, workers)``: make a synthetic dataset on all cores."""
from __future__ import annotations

import multiprocessing
import os
from dataclasses import asdict
from pathlib import Path

from ...progress import progress_bar
from .presets import get_preset
from .seeding import jobs_for
from .writers import complete, detect, ground, restore

WRITERS = {"detect": detect, "ground": ground, "restore": restore, "complete": complete}


def _run(job):
    return WRITERS[job.task].make(job)


def generate(task: str, preset="tiny", seed: int = 0, out_dir="synth", workers: int = 2,
             reuse_videos: bool = False) -> list:
    """Render, encode and annotate a dataset; returns the paths of the annotation files.

    Each video depends only on (seed, task family, split, index), never on ``workers``: the same
    seed gives byte-identical files. ``detect`` and ``ground`` draw the same scenes.
    """
    p = get_preset(task, preset)
    out = Path(out_dir)
    if reuse_videos:  # read by the (forked) workers in writers/scene_video.py
        os.environ["TEMPO_SYNTH_REUSE_VIDEOS"] = "1"
        try:
            return generate(task, p, seed, out_dir, workers)
        finally:
            os.environ.pop("TEMPO_SYNTH_REUSE_VIDEOS", None)
    jobs = jobs_for(task, p, seed, out)
    records = []
    with progress_bar(f"synth {task} ({p.name})", total=len(jobs)) as advance:
        if workers <= 1:
            for job in jobs:
                records.append(_run(job))
                advance()
        else:
            # fork: works from unguarded scripts and notebooks (spawn/forkserver re-import __main__);
            # OpenCV's pool copes with fork (but cv2.setNumThreads in a forked child hangs: not called).
            # imap keeps the job order, so annotation files are stable.
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for record in pool.imap(_run, jobs, chunksize=1):
                    records.append(record)
                    advance()
    meta = {"task": task, "preset": p.name, "seed": int(seed), "splits": dict(p.splits),
            "scene": asdict(p.scene), "crf": p.crf}
    return WRITERS[task].write(records, out, meta)
