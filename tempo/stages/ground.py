"""Grounding as stages: find the moments a sentence describes.

``pipelines/ground.py`` (what ``tempo ground`` runs) searches a folder: ``GrounderFeatures`` per video (the
``ExtractFeatures`` entries ``MomentSearch`` and ``tempo extract`` share), then, once over the folder,
``RankMoments`` (the pre-filter and the grounding head: cached), ``MomentPost`` (soft-NMS, top-k, thresholds:
cheap, never cached) and ``ExportRanked`` (the .json/.csv file). ``GroundQuery`` gives each clip its own moments,
for pipelines that act on them per video (``pipelines/ground_restore.py``).

The search itself is ``tempo.tasks.ground.MomentSearch`` / ``text_search.TextClipSearch`` (``candidates`` is its
network half, ``moments_from`` its post-processing); these stages only say what is cached under which key.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..pipeline import Stage, stable_hash
from ..registry import STAGES
from .weights import files_id, shared

_engines: dict = {}


def _grounder(spec: dict | None) -> dict:
    spec = dict(spec or {})
    keys = ("head", "checkpoint", "clip_dir", "slowfast_checkpoint", "slowfast_config", "device")
    unknown = set(spec) - set(keys)
    if unknown:
        raise ValueError(f"grounder settings are {', '.join(keys)}; got {sorted(unknown)}")
    return {**{k: spec.get(k) for k in keys}, "head": spec.get("head") or "bam_detr"}


def _checkpoint_file(g: dict) -> Path:
    """The grounder's weight file, the embedded default's when none is given."""
    from ..features.text_clipnet import BUNDLED_WEIGHTS
    from ..tasks.ground import DEFAULT_GROUNDER

    return Path(g["checkpoint"] or (BUNDLED_WEIGHTS if g["head"] == "textclip" else DEFAULT_GROUNDER))


def engine(spec: dict | None):
    """The moment-search engine of a grounder spec (head, checkpoint, clip_dir, device): one per settings and
    weights content in this process, loaded when a stage is built, so a bad checkpoint is one line before any
    video is read."""
    from ..tasks.clip_grounding import describe_inputs, uses_clip
    from ..tasks.text_search import make_search

    g = _grounder(spec)

    def make():
        if g["clip_dir"] and g["head"] != "bam_detr":
            raise UsageError("--clip-dir goes with --head bam_detr (TextClipNet reads no CLIP features)")
        clip = {"clip_dir": g["clip_dir"]} if g["clip_dir"] else {}
        if g["slowfast_checkpoint"] or g["slowfast_config"]:  # official QVHighlights rows: SlowFast + CLIP image
            clip["slowfast"] = {"checkpoint": g["slowfast_checkpoint"], "config": g["slowfast_config"]}
        search = make_search(g["head"], g["checkpoint"], device=g["device"], **clip)
        if g["clip_dir"] and not uses_clip(search.bundle):
            raise UsageError(f"--clip-dir: this model reads no CLIP features ({describe_inputs(search.bundle)})")
        return search

    from ..tasks.prefilter import prefilter_path

    ckpt = _checkpoint_file(g)  # a changed weight or pre-filter file is another engine (and another cache key)
    key = (stable_hash({**g, "device": None}), g["device"], files_id(ckpt, prefilter_path(ckpt)))
    return shared(_engines, key, make)


def engine_weights_id(search, g: dict) -> str:
    """The content of every file the search reads beyond the video features: the grounder (+ its .json), its
    pre-filter beside it, and the text encoder's weights."""
    from ..features.text_clipnet import BUNDLED_WEIGHTS
    from ..tasks.prefilter import prefilter_path

    ckpt = _checkpoint_file(g)
    text = search.text_cfg.get("checkpoint")
    if text is None and search.text_cfg.get("encoder") == "TextClipText":
        text = BUNDLED_WEIGHTS
    return files_id(ckpt, prefilter_path(ckpt), text)


def _queries(query, query_file) -> list[str]:
    """``query`` (a string, or a list of them) then each non-empty line of ``query_file``."""
    found = [] if not query else [query] if isinstance(query, str) else [str(q) for q in query]
    if query_file:
        path = Path(query_file)
        if not path.is_file():
            raise InputError(path, "query file not found")
        found += [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not found or not all(q.strip() for q in found):
        raise UsageError("give a non-empty query or a query file")
    return found


@STAGES.register_module()
def GrounderFeatures(grounder: dict | None = None) -> Stage:
    """The features ``grounder`` reads, as an ``ExtractFeatures`` stage: the same cache entries as
    ``MomentSearch.clip_features`` (the demo) and ``tempo extract`` with those settings."""
    from ..features.stage import ExtractFeatures, backbone_cfg

    spec = engine(grounder).feature_spec()
    backbone = backbone_cfg(spec.pop("backbone"), checkpoint=spec.pop("checkpoint"))
    return ExtractFeatures(backbone, **spec)


@STAGES.register_module()
class RankMoments(Stage):
    """Folder stage: the grounding head over the clips of the folder, per query -- the pre-filter's candidate
    clips and their window moments before NMS (``cand_values``, ``cand_index`` rows [query, clip, offset, size],
    ``cand_width``, ``queries``). Cached: its key chains every clip's features and covers the queries (and the
    query file's content), the pre-filter setting and the content of the weights, not the device."""

    version = "1"

    def __init__(self, grounder: dict | None = None, query=None, query_file: str | None = None,
                 prefilter_candidates: int = 128):
        if prefilter_candidates < 0:
            raise UsageError("--prefilter-candidates must be 0 or more")
        query = list(query) if isinstance(query, (list, tuple)) else query
        super().__init__(grounder=_grounder(grounder), query=query,
                         query_file=None if query_file is None else str(query_file),
                         prefilter_candidates=int(prefilter_candidates))
        self.queries()  # a bad query or a missing query file: one line before any video is read
        self.engine = engine(self.params["grounder"])

    def queries(self) -> list[str]:
        return _queries(self.params["query"], self.params["query_file"])

    def weights_id(self) -> str:
        return stable_hash([engine_weights_id(self.engine, self.params["grounder"]),
                            files_id(self.params["query_file"])])

    def cache_key(self, input_fingerprint: str) -> str:  # the device does not change the result
        params = {**self.params, "grounder": {**self.params["grounder"], "device": None}}
        return stable_hash({"input": input_fingerprint, "stage": self.stage_name(), "version": self.version,
                            "params": params, "weights": self.weights_id()})

    def run(self, context: dict) -> dict:
        search = self.engine
        clips = [str(path) for path, _ in context["videos"]]
        search.clear()
        try:
            for clip, video in zip(clips, context["videos"]):
                ctx = video[1]
                search.add_clip(clip, ctx["features"], float(ctx["feature_meta"]["duration"]))
            where = {clip: i for i, clip in enumerate(clips)}
            queries, parts, index, width, offset = self.queries(), [], [], 0, 0
            for q, query in enumerate(queries):
                for clip, values in search.candidates(query, clips, self.params["prefilter_candidates"]):
                    values = np.asarray(values)
                    width = values.shape[1] if values.ndim == 2 else 0  # 0: one value per row (textclip)
                    index.append([q, where[clip], offset, values.size])
                    parts.append(values.reshape(-1))
                    offset += values.size
        finally:
            search.clear()  # the features are the pipeline's; the engine keeps none between runs
        return {"cand_values": np.concatenate(parts) if parts else np.zeros(0),
                "cand_index": np.asarray(index, np.int64).reshape(-1, 4), "cand_width": width, "queries": queries}


@STAGES.register_module()
class MomentPost(Stage):
    """Folder stage: ``moments``, per query the ``top_k`` best moments across the folder (soft-NMS per clip for
    BAM-DETR; runs of rows with probability >= ``threshold`` for the ``textclip`` head, None: its default), those
    scoring below ``min_score`` dropped: rows {query, rank, clip, start, end, score}. Milliseconds: never cached,
    so a changed ``top_k``/``min_score``/``threshold`` reruns only this."""

    version = "1"
    cacheable = False

    def __init__(self, grounder: dict | None = None, top_k: int = 10, min_score: float | None = None,
                 threshold: float | None = None):
        if top_k < 1:
            raise UsageError("--top-k must be 1 or more")
        super().__init__(grounder=_grounder(grounder), top_k=int(top_k), min_score=min_score, threshold=threshold)
        self.engine = engine(self.params["grounder"])

    def run(self, context: dict) -> dict:
        p = self.params
        clips = [str(path) for path, _ in context["videos"]]
        durations = {clip: float(ctx["feature_meta"]["duration"]) for clip, (_, ctx) in zip(clips, context["videos"])}
        values, width = context["cand_values"], int(context["cand_width"])
        per_query: dict[int, list] = {}
        for q, c, offset, size in np.asarray(context["cand_index"]).tolist():
            part = values[offset:offset + size]
            per_query.setdefault(q, []).append((clips[c], part.reshape(-1, width) if width else part))
        rows = []
        for q, query in enumerate(context["queries"]):
            found = self.engine.moments_from(per_query.get(q, []), p["top_k"], durations, p["threshold"])
            found = [m for m in found if p["min_score"] is None or m.score >= p["min_score"]]
            rows += [{"query": query, "rank": rank, **m.to_dict()} for rank, m in enumerate(found, 1)]
        return {"moments": rows}


@STAGES.register_module()
class GroundQuery(Stage):
    """``moments``: per query, the ``top_k`` best moments of this clip scoring >= ``min_score``
    (query, rank, start, end, score)."""

    version = "1"

    def __init__(self, query: str | None = None, query_file: str | None = None, head: str = "bam_detr",
                 checkpoint: str | None = None, top_k: int = 5, min_score: float = 0.0, device: str | None = None):
        if not (query and query.strip()) and not query_file:
            raise UsageError("give a non-empty query or a query file")
        super().__init__(query=query, query_file=None if query_file is None else str(query_file), head=head,
                         checkpoint=checkpoint, top_k=top_k, min_score=min_score, device=device)

    def weights_id(self) -> str:
        p = self.params
        return files_id(_checkpoint_file({"head": p["head"], "checkpoint": p["checkpoint"]}), p["query_file"])

    def cache_key(self, input_fingerprint: str) -> str:  # the device does not change the result
        return stable_hash({"input": input_fingerprint, "stage": self.stage_name(), "version": self.version,
                            "params": {**self.params, "device": None}, "weights": self.weights_id()})

    def queries(self) -> list[str]:
        return _queries(self.params["query"], self.params["query_file"])

    def run(self, context: dict) -> dict:
        p = self.params
        search = engine({"head": p["head"], "checkpoint": p["checkpoint"], "device": p["device"]})
        clip = str(context["video"])
        search.clear()  # one clip at a time: memory does not grow over a folder
        try:
            search.add_clip(clip, *search.clip_features(context["video"]))
            moments = []
            for query in self.queries():
                found = [m for m in search.search(query, top_k=p["top_k"], clips=[clip]) if m.score >= p["min_score"]]
                moments += [{"query": query, "rank": r, "start": m.start, "end": m.end, "score": m.score}
                            for r, m in enumerate(found, 1)]
        finally:
            search.clear()
        return {"moments": moments}
