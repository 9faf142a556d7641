"""``Pipeline``: an ordered list of stages run over one input with cached intermediate results.

Each stage's cache key chains the key of the stage before it (the first stage chains the input
file's content fingerprint), so changing an early stage's params invalidates everything after it,
and changing a late one (a detection threshold) recomputes only from there on.

The context a stage sees holds ``video`` (the input path), ``scratch`` (a folder for file outputs,
removed when the run ends), the outputs of the stages before it, and whatever the caller put in
(``output_dir`` and ``video_id`` for the stages that write results).

A config may also list ``folder_stages``: they run once, after every video, on ``videos`` (each video's
final context, in input order) -- ranking moments across a folder of clips, say. Their first key chains the
videos' last keys in order, so the folder's content, not its name, decides what comes from the cache.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from mmengine.config import Config

from ..config_file import is_data_config, load_config
from ..registry import STAGES, check_types
from .cache import Cache, cache_disabled
from .files import FileOutput
from .fingerprint import file_fingerprint, stable_hash
from .stage import Stage

log = logging.getLogger(__name__)
CHAIN = "_chain"  # context key: the cache key of the last stage run (where a split run goes on from)
VIDEOS = "videos"  # folder-stage context key: [(video path, its final context)] in input order
FOLDER = "folder"  # the "video" a folder stage's report row names


def folder_fingerprint(keys: list[str]) -> str:
    """A folder stage's input: the videos' last cache keys (their content through every video stage), in order."""
    return stable_hash({"folder": list(keys)})


def input_fingerprint(video: Path) -> str:
    """The video's content; a path that is not a file (a name given with precomputed features) by its name:
    any stage that reads the video then fails on it as usual."""
    return file_fingerprint(video) if video.is_file() else stable_hash({"absent": str(video)})


class Pipeline:
    def __init__(self, stages: list[Stage], cache: Cache | None = None, use_cache: bool | None = None,
                 folder_stages: list[Stage] = ()):
        self.stages = list(stages)
        self.folder_stages = list(folder_stages)
        self.use_cache = (not cache_disabled()) if use_cache is None else use_cache
        self.cache = cache if cache is not None else Cache()
        self.computed: Counter = Counter()  # stage name -> times run() was called (not served from cache)
        self._count_lock = threading.Lock()  # videos may run on several threads (tempo detect --batch)
        self.report: list[dict] = []  # one row per stage run: video, stage, status (computed/cached), seconds

    @classmethod
    def from_config(cls, path_or_cfg, cfg_options: dict | None = None, **kwargs) -> "Pipeline":
        """Build from a ``pipelines/*.py`` mmengine config holding ``stages = [dict(type=...), ...]``;
        ``cfg_options`` are ``--cfg-options`` overrides (``tempo.pipeline.overrides``)."""
        from .overrides import apply_overrides, resolve_refs

        cfg = path_or_cfg if isinstance(path_or_cfg, Config) else load_config(path_or_cfg)
        if "stages" not in cfg:
            raise ValueError(f"{getattr(cfg, 'filename', path_or_cfg)}: a pipeline config needs a 'stages' list")
        if cfg_options:
            apply_overrides(cfg, cfg_options)
        stages = resolve_refs(cfg, [dict(s) for s in cfg.stages])
        folder = resolve_refs(cfg, [dict(s) for s in cfg.get("folder_stages", [])])
        if is_data_config(cfg.filename or "") or cfg_options:  # overrides are data too (they may name a type)
            check_types(stages + folder, cfg.filename or "--cfg-options", STAGES)
        return cls([STAGES.build(s) for s in stages], folder_stages=[STAGES.build(s) for s in folder], **kwargs)

    @property
    def first_writer(self) -> int:
        """Index of the first stage that writes results (exports): compute stages come before it."""
        return next((i for i, s in enumerate(self.stages) if s.writes_results), len(self.stages))

    def plan(self, video) -> list[dict]:
        """Each stage's cache key and whether it would come from the cache (nothing is run or loaded)."""
        return self._plan(self.stages, input_fingerprint(Path(video)))

    def plan_folder(self, plans: list[list[dict]]) -> list[dict]:
        """``plan`` of the folder stages, given each video's ``plan`` in input order (as if every video succeeds)."""
        return self._plan(self.folder_stages, folder_fingerprint([rows[-1]["key"] for rows in plans if rows]))

    def _plan(self, stages: list[Stage], chain: str) -> list[dict]:
        rows = []
        for stage in stages:
            key = stage.cache_key(chain)
            cached = self.use_cache and stage.cacheable and self.cache.path_for(stage.stage_name(), key).is_file()
            rows.append({"stage": stage.stage_name(), "params": stage.params, "key": key,
                         "cached": bool(cached) if stage.cacheable else None})
            chain = key
        return rows

    def run_folder(self, videos: list, context: dict | None = None) -> dict:
        """Run the folder stages once over ``videos``: ``[(path, final context of that video)]`` in input order
        (the videos that failed left out). Returns the folder context (``videos`` and every folder stage's outputs)."""
        chain = folder_fingerprint([ctx[CHAIN] for _, ctx in videos])
        ctx = {VIDEOS: list(videos), **(context or {}), CHAIN: chain,
               "scratch": Path(tempfile.mkdtemp(prefix="tempo-stage-"))}
        try:
            for stage in self.folder_stages:
                ctx.update(self._run_stage(stage, ctx, FOLDER))
        finally:
            shutil.rmtree(ctx.pop("scratch"), ignore_errors=True)
        return ctx

    def run(self, video, context: dict | None = None, start: int = 0, stop: int | None = None) -> dict:
        """Run stages ``start:stop`` on one input file; returns the context with every stage's outputs.
        To go on with a partial run, pass its context back with ``start`` where it stopped."""
        video = Path(video)
        ctx = {"video": video, **(context or {})}
        if CHAIN not in ctx:
            ctx[CHAIN] = input_fingerprint(video)
        if "scratch" not in ctx:
            ctx["scratch"] = Path(tempfile.mkdtemp(prefix="tempo-stage-"))
        stop = len(self.stages) if stop is None else stop
        try:
            for stage in self.stages[start:stop]:
                ctx.update(self._run_stage(stage, ctx, video))
        except BaseException:
            shutil.rmtree(ctx.pop("scratch"), ignore_errors=True)
            raise
        if stop == len(self.stages):  # file outputs are in the cache (or copied out by a writer) by now
            shutil.rmtree(ctx.pop("scratch"), ignore_errors=True)
        return ctx

    def _run_stage(self, stage: Stage, ctx: dict, video) -> dict:
        name = stage.stage_name()
        key = stage.cache_key(ctx[CHAIN])
        use = self.use_cache and stage.cacheable
        t0 = time.perf_counter()
        outputs = self.cache.get(name, key) if use else None
        status = "cached"
        if outputs is None:
            status = "computed"
            outputs = stage.run(ctx)
            with self._count_lock:
                self.computed[name] += 1
            files = {k: v.path for k, v in outputs.items() if isinstance(v, FileOutput)}
            stored = self.cache.put(name, key, outputs, info={"input": str(video)}) if use else None
            for k, path in files.items():  # the cached copy when stored; the scratch file otherwise
                outputs[k] = str(self.cache.file_path(name, key, k, path) if stored else path)
        self.report.append({"video": str(video), "stage": name, "status": status,
                            "seconds": round(time.perf_counter() - t0, 4)})
        return {**outputs, CHAIN: key}
