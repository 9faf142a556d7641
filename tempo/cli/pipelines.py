"""What the pipeline commands share: the bundled ``pipelines/`` configs and a folder runner.

``tempo detect`` (and the other head commands) and ``tempo run`` build a ``Pipeline`` the same way
(``build``: a config plus ``--cfg-options`` overrides) and run it the same way (``run_over``).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..pipeline import Pipeline
from ..pipeline.pipeline import CHAIN
from .common import BatchResult, run_each_overlapped

# The configs live beside the package in a checkout / editable install (the way README installs tempo).
PIPELINES_DIR = Path(__file__).resolve().parents[2] / "pipelines"
INTERNAL = (CHAIN, "video", "scratch", "output_dir", "video_id")  # context keys that are not results


def config_path(name_or_path) -> Path:
    """``detect`` -> ``pipelines/detect.py``; a path is taken as is."""
    path = Path(name_or_path)
    if path.suffix or path.parent != Path("."):
        if not path.is_file():
            raise UsageError(f"{path}: pipeline config not found")
        return path
    bundled = PIPELINES_DIR / f"{name_or_path}.py"
    if not bundled.is_file():
        raise UsageError(f"no bundled pipeline {name_or_path!r} (looked for {bundled})")
    return bundled


def build(name_or_path, overrides: dict | None = None) -> Pipeline:
    """The pipeline of a config with ``--cfg-options``-style overrides (``tempo.pipeline.overrides``)."""
    return Pipeline.from_config(str(config_path(name_or_path)), cfg_options=overrides or None)


def results_of(ctx: dict) -> dict:
    return {k: v for k, v in ctx.items() if k not in INTERNAL}


def run_over(pipeline: Pipeline, ids: list, out_dir: Path | None, finish=None, description: str = "running",
             debug: bool = False, overlap: bool = True) -> BatchResult:
    """Run ``pipeline`` on every ``(path, output id)``; per video the compute stages run here while the writing
    stages (exports) of the video before run on a background thread. ``finish(path, ctx)`` turns the final
    context into the video's result (default: its non-internal values). A video that fails leaves no cache entry
    and no half-written file, and the run goes on."""
    vid_of = {str(p): vid for p, vid in ids}
    split = pipeline.first_writer

    def compute(path: Path) -> dict:
        return pipeline.run(path, {"output_dir": out_dir, "video_id": vid_of[str(path)]}, stop=split)

    def write(path: Path, ctx: dict):
        ctx = pipeline.run(path, ctx, start=split)
        return finish(path, ctx) if finish else results_of(ctx)

    return run_each_overlapped([p for p, _ in ids], compute, write, description, debug=debug, overlap=overlap)
