"""``Stage``: one step of a pipeline, with a cache key that changes whenever its result could."""
from __future__ import annotations

from typing import Any, ClassVar

from .fingerprint import stable_hash


class Stage:
    """Subclass and implement ``run``.

    ``name`` and ``version`` identify the computation: bump ``version`` when the code's results
    change. ``params`` are the constructor's keyword arguments (all of them enter the cache key).
    ``weights_id()`` returns a hash of the weights the stage uses ("" when it uses none).
    ``run(context)`` reads what it needs from the context (the input video path under "video" and
    the outputs of earlier stages) and returns a dict of numpy arrays, JSON-able values and
    ``FileOutput``s (files written under ``context["scratch"]``; cached as files, see ``files.py``).
    ``writes_results`` stages (exports) write into ``context["output_dir"]`` and are never cached; a
    folder run overlaps them with the next video's computing stages.
    """

    name: ClassVar[str | None] = None
    version: ClassVar[str] = "1"
    cacheable: ClassVar[bool] = True
    writes_results: ClassVar[bool] = False

    def __init__(self, **params: Any):
        self.params = params

    @classmethod
    def stage_name(cls) -> str:
        return cls.name or cls.__name__

    def weights_id(self) -> str:
        return ""

    def cache_key(self, input_fingerprint: str) -> str:
        return stable_hash({"input": input_fingerprint, "stage": self.stage_name(), "version": self.version,
                            "params": self.params, "weights": self.weights_id()})

    def run(self, context: dict) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.stage_name()}(v{self.version}, {self.params})"
