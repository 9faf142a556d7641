"""``Pipeline``: an ordered list of stages run over one input with cached intermediate results.

Each stage's cache key chains the key of the stage before it (the first stage chains the input
file's content fingerprint), so changing an early stage's params invalidates everything after it.
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from mmengine.config import Config

from ..config_file import is_data_config, load_config
from ..registry import STAGES, check_types
from .cache import Cache, cache_disabled
from .fingerprint import file_fingerprint
from .stage import Stage

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, stages: list[Stage], cache: Cache | None = None, use_cache: bool | None = None):
        self.stages = list(stages)
        self.use_cache = (not cache_disabled()) if use_cache is None else use_cache
        self.cache = cache if cache is not None else Cache()
        self.computed: Counter = Counter()  # stage name -> times run() was called (not served from cache)

    @classmethod
    def from_config(cls, path_or_cfg, **kwargs) -> "Pipeline":
        """Build from a ``pipelines/*.py`` mmengine config holding ``stages = [dict(type=...), ...]``."""
        cfg = path_or_cfg if isinstance(path_or_cfg, Config) else load_config(path_or_cfg)
        if "stages" not in cfg:
            raise ValueError(f"{getattr(cfg, 'filename', path_or_cfg)}: a pipeline config needs a 'stages' list")
        if is_data_config(cfg.filename or ""):  # a .py config runs code by design; a JSON/YAML one is data
            check_types(list(cfg.stages), cfg.filename, STAGES)
        return cls([STAGES.build(dict(s)) for s in cfg.stages], **kwargs)

    def run(self, video, context: dict | None = None) -> dict:
        """Run every stage on one input file; returns the context with every stage's outputs."""
        video = Path(video)
        ctx = {"video": video, **(context or {})}
        chain = file_fingerprint(video)
        for stage in self.stages:
            name = stage.stage_name()
            key = stage.cache_key(chain)
            outputs = self.cache.get(name, key) if (self.use_cache and stage.cacheable) else None
            if outputs is None:
                outputs = stage.run(ctx)
                self.computed[name] += 1
                if self.use_cache and stage.cacheable:
                    self.cache.put(name, key, outputs, info={"input": str(video)})
            else:
                log.debug("%s: cached %s for %s", name, key, video)
            ctx.update(outputs)
            chain = key
        return ctx
