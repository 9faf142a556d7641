"""Grounding as a stage: the moments of one clip that a query (or each line of a query file) describes.

It wraps ``tempo.tasks.text_search.make_search`` (BAM-DETR by default, or TextClipNet's ``textclip`` head) and
``MomentSearch``'s own feature extraction (cached by content as ``ExtractFeatures`` entries), so the search's
internals stay where they are. Folder-wide ranking with the pre-filter stays ``tempo ground``'s; this stage is
for pipelines that act on the moments of each video (restore them, cut them)."""
from __future__ import annotations

from pathlib import Path

from ..pipeline import Stage
from ..registry import STAGES
from .weights import files_id, shared

_searches: dict = {}


@STAGES.register_module()
class GroundQuery(Stage):
    """``moments``: per query, the ``top_k`` best moments of this clip scoring >= ``min_score``
    (query, rank, start, end, score)."""

    version = "1"

    def __init__(self, query: str | None = None, query_file: str | None = None, head: str = "bam_detr",
                 checkpoint: str | None = None, top_k: int = 5, min_score: float = 0.0, device: str | None = None):
        if not (query and query.strip()) and not query_file:
            from ..errors import UsageError

            raise UsageError("give a non-empty query or a query file")
        super().__init__(query=query, query_file=None if query_file is None else str(query_file), head=head,
                         checkpoint=checkpoint, top_k=top_k, min_score=min_score, device=device)

    def weights_id(self) -> str:
        from ..features.text_clipnet import BUNDLED_WEIGHTS
        from ..tasks.ground import DEFAULT_GROUNDER

        p = self.params
        default = BUNDLED_WEIGHTS if p["head"] == "textclip" else DEFAULT_GROUNDER
        return files_id(p["checkpoint"] or default, p["query_file"])

    def cache_key(self, input_fingerprint: str) -> str:  # the device does not change the result
        from ..pipeline import stable_hash

        return stable_hash({"input": input_fingerprint, "stage": self.stage_name(), "version": self.version,
                            "params": {**self.params, "device": None}, "weights": self.weights_id()})

    def queries(self) -> list[str]:
        from ..errors import InputError

        p = self.params
        found = [p["query"]] if p["query"] else []
        if p["query_file"]:
            path = Path(p["query_file"])
            if not path.is_file():
                raise InputError(path, "query file not found")
            found += [line.strip() for line in path.read_text().splitlines() if line.strip()]
        return found

    def run(self, context: dict) -> dict:
        from ..tasks.text_search import make_search

        p = self.params
        search = shared(_searches, (p["head"], str(p["checkpoint"]), p["device"], self.weights_id()),
                        lambda: make_search(p["head"], p["checkpoint"], device=p["device"], prefilter_candidates=0))
        clip = str(context["video"])
        search.clear()  # one clip at a time: memory does not grow over a folder
        search.add_clip(clip, *search.clip_features(context["video"]))
        moments = []
        for query in self.queries():
            found = [m for m in search.search(query, top_k=p["top_k"], clips=[clip]) if m.score >= p["min_score"]]
            moments += [{"query": query, "rank": r, "start": m.start, "end": m.end, "score": m.score}
                        for r, m in enumerate(found, 1)]
        return {"moments": moments}
