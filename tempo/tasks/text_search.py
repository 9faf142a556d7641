"""Moment search straight from TextClipNet's aligned embeddings, no grounding head: every 0.27 s row of a clip
gets the probability that the query describes it, and runs of rows above ``threshold`` are the moments (scored
by their mean probability, so scores compare across clips).

This is the query-reading search available today (``tempo ground --head textclip``); BAM-DETR retrained on the
same rows is to replace it as the default (docs/text_clipnet.md). Same interface as ``MomentSearch`` (indexing,
thumbnails and timelines are inherited), so the CLI, the evaluator and the demo can use either.
"""
from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .ground import Moment, MomentSearch

THRESHOLD = 0.5  # hardly matters on the synth val split: R1@0.5 50.1-51.7 for 0.3-0.7 (docs/text_clipnet.md)


class TextClipSearch(MomentSearch):
    def __init__(self, checkpoint=None, device: str | None = None, threshold: float = THRESHOLD, **_):
        from ..features.text_clipnet import TextClipNet, TextClipText

        self.checkpoint, self.device, self.threshold = checkpoint, "cpu", float(threshold)
        self.backbone = TextClipNet(checkpoint)  # reads the sidecar only; checks the weights exist
        self._text_encoder = TextClipText(checkpoint)
        cfg = self.backbone.config
        self.bundle = {"trained_on": "tempo synth --task ground --preset small", "head": "textclip"}
        self.video_cfg = {"backbone": "TextClipNet", "layout": "detect", "fps": float(cfg["fps"]),
                          "num_frames": int(cfg["window_frames"]), "stride": int(cfg["stride"]),
                          "clip_len": int(cfg["stride"]) / float(cfg["fps"])}  # row spacing (timeline bars)
        self.text_cfg = {"encoder": "TextClipText"}
        self.prefilter_candidates, self.prefilter_info, self._prefilter_model = 0, None, None
        self.clear()

    def feature_spec(self) -> dict:
        f = self.video_cfg
        return dict(backbone="TextClipNet", checkpoint=self.checkpoint, layout="detect", fps=f["fps"],
                    num_frames=f["num_frames"], stride=f["stride"])

    def encode_query(self, query: str) -> np.ndarray:
        return self._text_encoder.encode([query])[0]

    def row_spans(self, n: int) -> np.ndarray:
        """(n, 2) seconds each row stands for: the middle half of its window (what training asked it to say)."""
        f = self.video_cfg
        start = (np.arange(n) * f["stride"] + f["num_frames"] / 4) / f["fps"]
        return np.stack([start, start + f["num_frames"] / 2 / f["fps"]], 1)

    def row_probabilities(self, clip, text: np.ndarray) -> np.ndarray:
        return self._text_encoder.match_probability(self.clips[clip], text[None])[:, 0]

    def candidates(self, query: str, clips: list, prefilter_candidates: int | None = None) -> list:
        """``[(clip, p)]``: every clip's row probabilities for ``query`` (no pre-filter: rows are cheap)."""
        if not clips:
            return []
        text = self.encode_query(query)
        return [(clip, self.row_probabilities(clip, text)) for clip in clips]

    def moments_from(self, candidates: list, top_k: int, durations: dict | None = None,
                     threshold: float | None = None) -> list[Moment]:
        """Runs of rows with p >= ``threshold`` (default the search's), each scored by its mean probability, the
        ``top_k`` best across clips; ``durations`` (clip -> seconds, default the indexed ones) clamp the ends."""
        durations = self.durations if durations is None else durations
        threshold = self.threshold if threshold is None else float(threshold)
        moments = []
        for clip, p in candidates:
            spans = self.row_spans(len(p))
            for first, last in runs_above(p, threshold):
                moments.append(Moment(clip, float(spans[first, 0]),
                                      float(min(spans[last, 1], durations[clip])), float(p[first:last + 1].mean())))
        moments.sort(key=lambda m: -m.score)
        return moments[:top_k]

    def clip_scores(self, clip, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the probability that the query describes it (the demo's score timeline)."""
        p = self.row_probabilities(str(clip), self.encode_query(query))
        return self.row_spans(len(p)).mean(1), p


def runs_above(p: np.ndarray, threshold: float, rank: str = "mean") -> list:
    """[(first, last)] row ranges where p >= threshold, best first by the ``rank`` ("mean" or "sum") of their
    probabilities; the best row alone when none is above."""
    above = np.r_[False, p >= threshold, False]
    edges = np.flatnonzero(np.diff(above.astype(int)))
    runs = list(zip(edges[::2], edges[1::2] - 1))
    if not runs:
        i = int(np.argmax(p))
        return [(i, i)]
    reduce = np.mean if rank == "mean" else np.sum
    return sorted(runs, key=lambda r: -float(reduce(p[r[0]:r[1] + 1])))


HEADS = ("bam_detr", "textclip")


def make_search(head: str = "bam_detr", checkpoint=None, **kwargs) -> MomentSearch:
    """The moment-search engine of ``head``: BAM-DETR (the default) or TextClipNet's match probability."""
    if head not in HEADS:
        raise UsageError(f"unknown head {head!r}; choose one of: {', '.join(HEADS)}")
    return TextClipSearch(checkpoint, **kwargs) if head == "textclip" else MomentSearch(checkpoint, **kwargs)
