"""What the pipeline commands share: the bundled ``pipelines/`` configs and a folder runner.

``tempo detect`` (and the other head commands) and ``tempo run`` build a ``Pipeline`` the same way
(``build``: a config plus ``--cfg-options`` overrides) and run it the same way (``run_over``).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..pipeline import Pipeline
from ..pipeline.pipeline import CHAIN, VIDEOS
from .common import BatchResult, run_each_overlapped

# The configs live beside the package in a checkout / editable install (the way README installs tempo).
PIPELINES_DIR = Path(__file__).resolve().parents[2] / "pipelines"
# context keys that are not results
INTERNAL = (CHAIN, VIDEOS, "video", "scratch", "output_dir", "video_id", "on_frame")


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
             debug: bool = False, overlap: bool = True, failed_word: str = "error", workers: int = 1) -> BatchResult:
    """Run ``pipeline`` on every ``(path, output id)``; per video the compute stages run here while the writing
    stages (exports) of the video before run on a background thread. ``finish(path, ctx)`` turns the final
    context into the video's result (default: its non-internal values). A video that fails leaves no cache entry
    and no half-written file, and the run goes on (its line starts with ``failed_word``).

    Then the pipeline's folder stages, if any, run once over the videos that succeeded (in input order; none run
    when every video failed): ``result.folder`` holds their outputs.

    Under ``torchrun`` each rank takes every world_size-th video (as ``tempo extract``) into the shared output and
    cache folders; the ranks then exchange their results, so every rank returns all of them (each tagged with the
    ``rank`` that made it, in input order) and ``pipeline.computed`` counts every rank's work."""
    from ..features.distributed import distributed_group, shard

    vid_of = {str(p): vid for p, vid in ids}
    split = pipeline.first_writer
    contexts: dict | None = {} if pipeline.folder_stages else None  # path -> final context, for the folder stages

    def compute(path: Path) -> dict:
        return pipeline.run(path, {"output_dir": out_dir, "video_id": vid_of[str(path)]}, stop=split)

    def write(path: Path, ctx: dict):
        ctx = pipeline.run(path, ctx, start=split)
        if contexts is not None:
            contexts[str(path)] = ctx
        return finish(path, ctx) if finish else results_of(ctx)

    with distributed_group() as (rank, world):
        paths = shard([p for p, _ in ids], rank, world)
        label = description + (f" (rank {rank}/{world})" if world > 1 else "")
        result = run_each_overlapped(paths, compute, write, label, debug=debug, overlap=overlap,
                                     failed_word=failed_word, workers=workers)
        if world > 1:
            result = _merge_ranks(result, pipeline, [p for p, _ in ids], rank, world, contexts)
    if contexts and rank == 0:  # under torchrun: once, on rank 0, which now holds every rank's contexts
        videos = [(Path(p), contexts[str(p)]) for p, _ in ids if str(p) in contexts]
        result.folder = results_of(pipeline.run_folder(videos, {"output_dir": out_dir}))
    return result


def _merge_ranks(result: BatchResult, pipeline: Pipeline, paths: list, rank: int, world: int,
                 contexts: dict | None = None) -> BatchResult:
    """Every rank's results, in input order (gloo object collectives: results are small JSON-like values; with
    folder stages each video's final context too, gathered into ``contexts``)."""
    from collections import Counter

    import torch.distributed as dist

    parts = [None] * world
    mine = {p: {k: v for k, v in c.items() if k != "scratch"} for p, c in contexts.items()} if contexts else None
    dist.all_gather_object(parts, (rank, result.ok, result.failed, dict(pipeline.computed), mine))
    merged, ok, computed = BatchResult(rank=rank, world_size=world), {}, Counter()
    for part_rank, part_ok, part_failed, part_computed, part_contexts in parts:
        for path, res in part_ok.items():
            ok[path] = {**res, "rank": part_rank} if isinstance(res, dict) else res
        merged.failed.update(part_failed)
        computed.update(part_computed)
        if contexts is not None and part_contexts:
            contexts.update(part_contexts)
    merged.ok = {str(p): ok[str(p)] for p in paths if str(p) in ok}
    pipeline.computed = computed
    return merged


def run_single(pipeline: Pipeline, video: Path, preload=None, **context) -> tuple[dict, bool]:
    """Run ``pipeline`` on one video for a command that writes one named file (``tempo restore``/``complete``: the
    config's ``ExportVideo.output``). ``preload(first_stage)`` loads its model up front when the stage will compute,
    so a bad checkpoint is one line before any frame is decoded; a cache hit loads nothing. ``context`` reaches the
    stages (``on_frame``: a progress callback). Returns (the final context, whether the first stage was cached)."""
    if preload is not None and pipeline.plan(video)[0]["cached"] is not True:
        preload(pipeline.stages[0])
    ctx = pipeline.run(video, {"output_dir": None, "video_id": None, **context})
    first = pipeline.stages[0].stage_name()
    return ctx, any(r["stage"] == first and r["status"] == "cached" for r in pipeline.report)
