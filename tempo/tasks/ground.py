"""Moment search over a folder of clips: index once (features cached per clip), query many times.

``MomentSearch`` is what ``tempo ground`` and the Gradio demo both use:

    search = MomentSearch()                      # embedded default, or checkpoint=...
    report = search.index_folder("clips/")       # features per 2-s clip, cached by content
    moments = search.search("the red square spins", top_k=10)

Each query is encoded once (MiniLM tokens by default), a clip-level pre-filter picks the candidate
clips when the folder is large, and BAM-DETR ranks moments inside each candidate (long clips in
overlapping windows). Scores are the model's predicted quality, comparable across clips.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
DEFAULT_GROUNDER = WEIGHTS_DIR / "bam_detr_synth.safetensors"
DEFAULT_VIDEO_FEATURES = {"backbone": "TwoStream", "layout": "ground", "fps": 15.0, "clip_len": 2.0,
                          "frame_step": 4}
PREFILTER_MIN_CLIPS = 64  # below this every clip goes through the grounding head


@dataclass
class Moment:
    clip: str
    start: float
    end: float
    score: float

    def to_dict(self) -> dict:
        return {"clip": self.clip, "start": self.start, "end": self.end, "score": self.score}


@dataclass
class IndexReport:
    clips: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)  # path -> one-line reason


class MomentSearch:
    def __init__(self, checkpoint=None, device: str | None = None, prefilter_candidates: int = 32):
        import torch

        self.checkpoint = checkpoint
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model, self.bundle = _load_grounder(checkpoint)
        self.model.to(self.device).eval()
        self.video_cfg = {**DEFAULT_VIDEO_FEATURES, **self.bundle.get("video_features", {})}
        self.text_cfg = {"encoder": "MiniLM", "tokens": True, "max_tokens": 32, **self.bundle.get("text", {})}
        self.prefilter_candidates = prefilter_candidates
        self._text_encoder = None
        self.clips: dict[str, np.ndarray] = {}  # clip path -> (n_clips, C) features
        self.durations: dict[str, float] = {}
        self.folders: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ indexing
    def clip_features(self, path) -> tuple[np.ndarray, float]:
        from ..features.stage import extract_features

        f = self.video_cfg
        feats, meta = extract_features(path, f["backbone"], layout="ground", fps=f.get("fps"),
                                       clip_len=f["clip_len"], frame_step=f.get("frame_step"))
        return np.asarray(feats, np.float32), float(meta["duration"])

    def index_folder(self, folder, progress=None) -> IndexReport:
        """Extract (or read from cache) the features of every video under ``folder``.
        ``progress(done, total, name)`` is called after each clip; unreadable files are skipped."""
        from ..io.discover import expand_inputs

        folder = Path(folder)
        items = expand_inputs([folder])
        report = IndexReport()
        for i, item in enumerate(items):
            if isinstance(item, InputError):
                report.skipped[item.path] = item.reason
                continue
            key = str(item)
            try:
                if key not in self.clips:
                    self.clips[key], self.durations[key] = self.clip_features(item)
                report.clips.append(key)
            except InputError as exc:
                report.skipped[key] = exc.reason
            if progress:
                progress(i + 1, len(items), item.name)
        self.folders[str(folder.resolve())] = report.clips
        return report

    def is_indexed(self, folder) -> bool:
        return str(Path(folder).resolve()) in self.folders

    # ------------------------------------------------------------------ querying
    @property
    def text_encoder(self):
        if self._text_encoder is None:
            from ..registry import TEXT_ENCODERS
            import tempo.features  # noqa: F401  (registers the encoders)

            self._text_encoder = TEXT_ENCODERS.build({"type": self.text_cfg["encoder"]})
        return self._text_encoder

    def encode_query(self, query: str) -> np.ndarray:
        if self.text_cfg.get("tokens", True):
            feats, mask = self.text_encoder.encode_tokens([query], self.text_cfg.get("max_tokens", 32))
            return feats[0][mask[0]]
        return self.text_encoder.encode([query])[0]

    def search(self, query: str, top_k: int = 10, folder=None, clips=None) -> list[Moment]:
        """Best moments for ``query`` over the indexed clips (of ``folder`` if given)."""
        from ..models.bam_detr.predict import ground_moments

        if not (query or "").strip():
            raise UsageError("empty query")
        if clips is None:
            clips = self.folders.get(str(Path(folder).resolve()), []) if folder is not None else list(self.clips)
        if not clips:
            return []
        text = self.encode_query(query)
        candidates = self._prefilter(query, clips)
        moments = []
        for clip in candidates:
            for m in ground_moments(self.model, self.clips[clip], text, self.video_cfg["clip_len"], top_k=top_k,
                                    duration=self.durations[clip]):
                moments.append(Moment(clip, float(m["start"]), float(m["end"]), float(m["score"])))
        moments.sort(key=lambda m: -m.score)
        return moments[:top_k]

    def _prefilter(self, query: str, clips: list) -> list:
        """All clips for small folders; for large ones the clips whose best segment matches the query
        in the learned joint space (shipped with the bundle as ``prefilter``)."""
        if len(clips) < PREFILTER_MIN_CLIPS or self.prefilter is None:
            return clips
        from .prefilter import ClipPrefilter

        index = ClipPrefilter(self.prefilter)
        for clip in clips:
            index.add(clip, self.clips[clip])
        return index.top_clips(self.text_encoder.encode([query])[0], self.prefilter_candidates)

    @property
    def prefilter(self):
        return getattr(self, "_prefilter_model", None)

    # ------------------------------------------------------------------ display helpers (demo)
    def thumbnail(self, clip, t: float) -> np.ndarray:
        from ..io import VideoReader

        reader = VideoReader(clip, width=160)
        return reader.frame_at(t)

    def clip_scores(self, clip, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Per 2-s clip: the best moment score covering it (a timeline of where the query matches)."""
        clip = str(clip)
        moments = self.search(query, top_k=50, clips=[clip])
        n = len(self.clips[clip])
        t = (np.arange(n) + 0.5) * self.video_cfg["clip_len"]
        scores = np.zeros(n)
        for m in moments:
            covered = (t >= m.start) & (t <= m.end)
            scores[covered] = np.maximum(scores[covered], m.score)
        return t, scores

    def timeline_figure(self, clip, query: str):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t, scores = self.clip_scores(clip, query)
        fig, ax = plt.subplots(figsize=(8, 1.8))
        ax.bar(t, scores, width=self.video_cfg["clip_len"] * 0.9, color="#3b7dd8")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("score")
        ax.set_title(Path(clip).name)
        fig.tight_layout()
        return fig


def _load_grounder(checkpoint):
    """A tempo bundle (.safetensors + .json) or an official BAM-DETR ``model.ckpt``."""
    from ..models.bam_detr.checkpoint import load_official, load_tempo_checkpoint

    if checkpoint is None:
        checkpoint = DEFAULT_GROUNDER
        if not checkpoint.is_file():
            raise InputError(checkpoint, "the embedded default grounding model is not in this build; "
                             "pass --checkpoint")
    checkpoint = Path(checkpoint)
    if not checkpoint.is_file():
        raise InputError(checkpoint, "checkpoint not found")
    if checkpoint.suffix == ".safetensors":
        cfg_path = checkpoint.with_suffix(".json")
        if not cfg_path.is_file():
            raise InputError(checkpoint, f"missing {cfg_path.name} beside the weights")
        bundle = json.loads(cfg_path.read_text())
        bundle = bundle if "model" in bundle else {"model": bundle}
        model = load_tempo_checkpoint(checkpoint, bundle["model"])
        return model.float(), bundle
    model, _ = load_official(checkpoint)
    # Official QVHighlights models read SlowFast+CLIP features (CLIP through transformers: CLIPText with the
    # user's local CLIP weights), which tempo does not extract by default.
    return model, {"video_features": {}, "text": {"encoder": "CLIPText", "tokens": True}}
