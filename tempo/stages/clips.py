"""Glue from segments to video: cut each segment into its own clip, or join the best into a highlight reel.

Segments come from an earlier stage's output (``detections`` or ``moments``: dicts with start, end, score and a
``label`` or ``query``). Both write into the output folder (``<stem>/...``), atomically; cutting copies the
streams where a segment starts on a keyframe and re-encodes otherwise (``tempo.io.cut``).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..pipeline import Stage
from ..registry import STAGES
from .exports import output_stem


def pick_segments(segments: list[dict], min_score: float, max_count: int | None) -> list[dict]:
    """Segments scoring at least ``min_score``, the ``max_count`` best, in time order."""
    kept = sorted((s for s in segments if s["score"] >= min_score and s["end"] > s["start"]),
                  key=lambda s: -s["score"])[:max_count]
    return sorted(kept, key=lambda s: (s["start"], s["end"]))


def merge_overlaps(segments: list[dict], gap: float = 0.0) -> list[tuple[float, float]]:
    """Time-ordered segments -> disjoint (start, end) ranges (a reel must not show a moment twice)."""
    ranges: list[list[float]] = []
    for s in segments:
        if ranges and s["start"] <= ranges[-1][1] + gap:
            ranges[-1][1] = max(ranges[-1][1], s["end"])
        else:
            ranges.append([s["start"], s["end"]])
    return [(a, b) for a, b in ranges]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_")[:40] or "segment"


@STAGES.register_module()
class CutClips(Stage):
    """``<stem>/<n>_<label>_<start>-<end>.mp4`` for every segment of ``source`` scoring >= ``min_score``
    (at most ``max_clips``, the best); ``pad`` seconds added on both sides. Outputs ``clips`` (file, start, end,
    label, score, how: copy/encode)."""

    cacheable = False
    writes_results = True

    def __init__(self, source: str = "detections", min_score: float = 0.2, max_clips: int | None = 50,
                 pad: float = 0.0):
        super().__init__(source=source, min_score=min_score, max_clips=max_clips, pad=pad)

    def run(self, context: dict) -> dict:
        from ..io import probe
        from ..io.cut import cut_clip

        stem = output_stem(context)
        if stem is None:
            return {"clips": []}
        video = Path(context["video"])
        info = probe(video)
        clips = []
        for i, s in enumerate(pick_segments(context[self.params["source"]], self.params["min_score"],
                                            self.params["max_clips"])):
            start = max(0.0, s["start"] - self.params["pad"])
            end = min(info.duration or s["end"], s["end"] + self.params["pad"])
            name = f"{i:03d}_{_slug(s.get('label') or s.get('query'))}_{start:.2f}-{end:.2f}.mp4"
            how = cut_clip(video, stem / name, start, end, fps=info.fps)
            clips.append({"file": str(stem / name), "start": start, "end": end, "score": s["score"],
                          "label": s.get("label") or s.get("query"), "how": how})
        return {"clips": clips}


@STAGES.register_module()
class HighlightReel(Stage):
    """``<stem>.highlights.mp4``: the ``max_segments`` best segments of ``source`` scoring >= ``min_score``,
    overlaps merged, in time order, joined into one video (re-encoded, video only). Outputs ``reel``
    (file and the ranges it shows)."""

    cacheable = False
    writes_results = True

    def __init__(self, source: str = "detections", min_score: float = 0.2, max_segments: int = 10):
        super().__init__(source=source, min_score=min_score, max_segments=max_segments)

    def run(self, context: dict) -> dict:
        from ..io.cut import concat_ranges

        stem = output_stem(context)
        ranges = merge_overlaps(pick_segments(context[self.params["source"]], self.params["min_score"],
                                              self.params["max_segments"]))
        if stem is None or not ranges:
            return {"reel": None}
        dst = concat_ranges(context["video"], stem.with_name(stem.name + ".highlights.mp4"), ranges)
        return {"reel": {"file": str(dst), "ranges": ranges}}
