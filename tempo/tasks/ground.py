"""Moment search over a folder of clips: index once (features cached per clip), query many times.

``MomentSearch`` is what ``tempo ground`` and the Gradio demo both use:

    search = MomentSearch()                      # embedded default, or checkpoint=...
    report = search.index_folder("clips/")       # features per 2-s clip, cached by content
    moments = search.search("the red square spins", top_k=10)

Each query is encoded once, a clip-level pre-filter picks the candidate clips when the folder is large,
and BAM-DETR ranks moments inside each candidate (long clips in overlapping windows). Scores are the model's
predicted quality, comparable across clips. What features and text tokens the head reads comes from its
bundle (``video_features``, ``text``): the embedded default reads TextClipNet rows every 0.27 s (``centered``
layout) and the aligned sentence token + MiniLM words (``TextClipText.encode_query_tokens``); its pre-filter
needs no learned projection, since rows and sentences share one space (a clip scores as its best row).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError, one_line

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
DEFAULT_GROUNDER = WEIGHTS_DIR / "bam_detr_synth.safetensors"
DEFAULT_VIDEO_FEATURES = {"backbone": "TwoStream", "layout": "ground", "fps": 15.0, "clip_len": 2.0,
                          "frame_step": 4}
PREFILTER_MIN_CLIPS = 64  # below this every clip goes through the grounding head
HEAD_BATCH = 16  # clip windows per forward of the grounding head (~3x the throughput of one at a time)
WINDOW_CLIPS = 75  # rows per head window when the bundle does not say (the official max_v_l: 150 s of 2-s clips)
# video backbone -> text encoder of the same embedding space: rows and sentences compare directly, so the
# pre-filter needs no learned projection (a clip scores as its best row)
ALIGNED_ENCODERS = {"TextClipNet": "TextClipText"}


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
    def __init__(self, checkpoint=None, device: str | None = None, prefilter_candidates: int = 128,
                 clip_dir=None, slowfast: dict | None = None):
        import torch
        from .clip_grounding import prepare_clip_bundle
        from .ground_bundle import check_video_weights

        self.checkpoint = checkpoint
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model, self.bundle = _load_grounder(checkpoint)
        # CLIP models: --clip-dir applied, the folder and its sizes checked before any video is read
        self.bundle = prepare_clip_bundle(self.bundle, self.model, clip_dir, checkpoint or DEFAULT_GROUNDER, slowfast)
        self.model.to(self.device).eval()
        self.video_cfg = {**DEFAULT_VIDEO_FEATURES, **self.bundle.get("video_features", {})}
        check_video_weights(self.video_cfg, checkpoint or DEFAULT_GROUNDER)
        self.text_cfg = {"encoder": "MiniLM", "tokens": True, "max_tokens": 32, **self.bundle.get("text", {})}
        self.window_clips = int(self.bundle.get("window_clips", WINDOW_CLIPS))  # rows per head window
        self.object_match = None
        if self.bundle.get("object_match"):  # rows = [embedding | object slots]: match columns per query
            from .object_query import ObjectQueryMatch

            self.object_match = ObjectQueryMatch(self.bundle["object_match"], checkpoint or DEFAULT_GROUNDER)
            getattr(self.model, "bam", self.model).feature_blocks = (self.object_match.aligned_dims,)
        self.prefilter_candidates = prefilter_candidates
        self._text_encoder = None
        self.prefilter_info: dict | None = None  # the pre-filter's .json when one ships with the checkpoint
        self._prefilter_model = self._load_prefilter(checkpoint or DEFAULT_GROUNDER)
        self.clear()

    def clear(self) -> None:
        """Forget every indexed clip (and empty the pre-filter index)."""
        self.clips: dict[str, np.ndarray] = {}  # clip path -> (n_clips, C) features
        self.durations: dict[str, float] = {}
        self.folders: dict[str, list[str]] = {}
        self._prefilter_index = None
        if self._prefilter_model is not None and self.object_match is not None and self.prefilter_info.get("aligned"):
            from .object_prefilter import ObjectPrefilter  # the embedding and the query's object match column

            self._prefilter_index = ObjectPrefilter(self._prefilter_model, self.object_match.aligned_dims)
        elif self._prefilter_model is not None:
            from .prefilter import ClipPrefilter

            self._prefilter_index = ClipPrefilter(self._prefilter_model, float(self.video_cfg["clip_len"]),
                                                  float(self.prefilter_info.get("segment_seconds", 2.0)))

    def _load_prefilter(self, checkpoint):
        """``<checkpoint stem>.prefilter.safetensors`` beside the weights, if there and made for this text
        encoder and backbone; otherwise None (every clip goes through the head)."""
        from .prefilter import load_projection, prefilter_path

        path = prefilter_path(checkpoint)
        if not path.is_file():
            return self._aligned_prefilter()
        model, info = load_projection(path)
        wanted = {"text_encoder": self.text_cfg["encoder"], "backbone": self.video_cfg["backbone"]}
        wrong = {k: info.get(k) for k, v in wanted.items() if info.get(k, v) != v}
        if wrong:
            log.warning("ignoring %s: made for %s, this model uses %s", path.name, wrong, wanted)
            return self._aligned_prefilter()
        trained = info.get("trained_on", {}).get("clip_len", [])
        if trained and float(self.video_cfg["clip_len"]) not in trained:  # still usable (window means), but say so
            log.warning("%s was trained on %s-s feature rows, this model uses %s s; rebuild it with "
                        "tools/build_ground_prefilter.py", path.name, trained, self.video_cfg["clip_len"])
        self.prefilter_info = info
        return model

    def _aligned_prefilter(self):
        """The identity projection when video rows and sentences share a space (``ALIGNED_ENCODERS``)."""
        from .prefilter import SegmentProjection

        backbone = self.video_cfg["backbone"]  # a name, or a config dict (SlowFastCLIP: never aligned with text)
        if isinstance(backbone, dict) and backbone.get("type") == "Stack" and self.bundle.get("object_match"):
            backbone = backbone["backbones"][0]  # the embedding in front of the object slots
        if not isinstance(backbone, str) or ALIGNED_ENCODERS.get(backbone) != self.text_cfg["encoder"]:
            return None
        clip_len = float(self.video_cfg["clip_len"])
        self.prefilter_info = {"segment_seconds": clip_len, "aligned": True,  # one segment per row
                               "text_encoder": self.text_cfg["encoder"], "backbone": self.video_cfg["backbone"]}
        dims = (self.bundle["object_match"]["aligned_dims"] if self.bundle.get("object_match")
                else int(self.bundle["model"]["model"]["v_feat_dim"]) - 2)
        return SegmentProjection(None, int(dims)).eval()

    # ------------------------------------------------------------------ indexing
    def feature_spec(self) -> dict:
        """What ``clip_features`` extracts: ``extract_features`` arguments (backbone, checkpoint and the
        ``FeatureConfig`` fields); ``tempo ground``'s per-video stage is the ``ExtractFeatures`` of these."""
        f = self.video_cfg
        layout = f.get("layout", "ground")
        grid = (dict(num_frames=f["num_frames"], stride=f["stride"]) if layout == "centered"
                else dict(clip_len=f["clip_len"], frame_step=f.get("frame_step")))
        return dict(backbone=f["backbone"], checkpoint=f.get("checkpoint"), layout=layout, fps=f.get("fps"), **grid)

    def clip_features(self, path) -> tuple[np.ndarray, float]:
        from ..features.stage import extract_features

        feats, meta = extract_features(path, **self.feature_spec())
        return np.asarray(feats, np.float32), float(meta["duration"])

    def index_folder(self, folder, progress=None) -> IndexReport:
        """Extract (or read from cache) the features of every video under ``folder``.
        ``progress(done, total, name)`` is called after each clip. A file that fails, for any reason, is
        skipped: ``report.skipped`` maps its path to a one-line reason, and the rest is indexed."""
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
                    self.add_clip(key, *self.clip_features(item))
                report.clips.append(key)
            except InputError as exc:
                report.skipped[key] = exc.reason
            except Exception as exc:  # one odd file must not drop the whole folder's search
                log.debug("indexing %s failed", key, exc_info=True)
                report.skipped[key] = one_line(exc)
            if progress:
                progress(i + 1, len(items), item.name)
        self.folders[str(folder.resolve())] = report.clips
        return report

    def add_clip(self, key: str, features: np.ndarray, duration: float) -> None:
        """Index one clip's features (and add it to the pre-filter's index once)."""
        self.clips[key], self.durations[key] = np.asarray(features, np.float32), float(duration)
        self._index_for_prefilter(key)

    def _index_for_prefilter(self, key: str) -> None:
        index = self._prefilter_index
        if index is None or key in index:
            return
        feats = self.clips[key]
        if self.object_match is not None:  # only the embedding is aligned with the query
            feats = feats[:, :self.object_match.aligned_dims]
        dim = len(self._prefilter_model.mean)  # the projection's input dims
        if feats.ndim != 2 or feats.shape[1] != dim:
            log.warning("pre-filter off: clip features have %s dims, it expects %d", feats.shape[1:], dim)
            self._prefilter_index = None
            return
        index.add(key, self.clips[key] if self.object_match is not None else feats)

    def is_indexed(self, folder) -> bool:
        return str(Path(folder).resolve()) in self.folders

    # ------------------------------------------------------------------ querying
    @property
    def text_encoder(self):
        if self._text_encoder is None:
            from ..registry import TEXT_ENCODERS
            import tempo.features  # noqa: F401  (registers the encoders)

            weights = {"checkpoint": self.text_cfg["checkpoint"]} if self.text_cfg.get("checkpoint") else {}
            self._text_encoder = TEXT_ENCODERS.build({"type": self.text_cfg["encoder"], **weights})
        return self._text_encoder

    def encode_query(self, query: str) -> np.ndarray:
        if self.text_cfg.get("query_tokens"):  # aligned sentence token + word tokens (TextClipText)
            return self.text_encoder.encode_query_tokens([query], self.text_cfg.get("max_tokens", 32))[0]
        if self.text_cfg.get("tokens", True):
            feats, mask = self.text_encoder.encode_tokens([query], self.text_cfg.get("max_tokens", 32))
            return feats[0][mask[0]]
        return self.text_encoder.encode([query])[0]

    def search(self, query: str, top_k: int = 10, folder=None, clips=None) -> list[Moment]:
        """Best moments for ``query`` over the indexed clips (of ``folder`` if given)."""
        if not (query or "").strip():
            raise UsageError("empty query")
        if clips is None:
            clips = self.folders.get(str(Path(folder).resolve()), []) if folder is not None else list(self.clips)
        return self.moments_from(self.candidates(query, clips), top_k)  # no clips: no candidates, no moments

    def candidates(self, query: str, clips: list, prefilter_candidates: int | None = None) -> list:
        """The network half of ``search`` (what a pipeline caches): ``[(clip, rows)]`` for the clips the
        pre-filter keeps, ``rows`` (N, 3) float64 window moments [start, end, score] before NMS."""
        if not clips:
            return []
        text = self.encode_query(query)
        parse = self.object_match.parse(query) if self.object_match is not None else None
        return self._rank(self._prefilter(query, clips, prefilter_candidates), text, parse=parse)

    def moments_from(self, candidates: list, top_k: int, durations: dict | None = None,
                     threshold: float | None = None) -> list[Moment]:
        """The post-processing half of ``search``: soft-NMS per clip, then the ``top_k`` best across clips.
        (``durations`` and ``threshold`` are for the ``textclip`` head, whose moments are made here; BAM-DETR's
        candidates are clamped to the duration already.)"""
        from ..models.bam_detr.predict import merge_candidates

        moments = []
        for clip, rows in candidates:
            found = merge_candidates(np.asarray(rows, np.float64).tolist(), top_k)
            moments += [Moment(clip, float(m["start"]), float(m["end"]), float(m["score"])) for m in found]
        moments.sort(key=lambda m: -m.score)
        return moments[:top_k]

    def head_rows(self, clip: str, parse: np.ndarray | None = None) -> np.ndarray:
        """What the head reads of an indexed clip (with the object stage: the query's match columns added)."""
        if self.object_match is None:
            return self.clips[clip]
        return self.object_match.head_rows(self.clips[clip], parse)

    def _rank(self, candidates: list, text: np.ndarray, batch_size: int = HEAD_BATCH, parse=None) -> list:
        """The head over ``candidates`` (windows of several clips per forward): their window moments."""
        from ..models.bam_detr.predict import window_candidates

        videos = [self.head_rows(c, parse) for c in candidates]
        rows = window_candidates(self.model, videos, text, self.video_cfg["clip_len"],
                                 window_clips=self.window_clips, batch_size=batch_size,
                                 durations=[self.durations[c] for c in candidates])
        return [(clip, np.asarray(r, np.float64).reshape(-1, 3)) for clip, r in zip(candidates, rows)]

    def _prefilter(self, query: str, clips: list, k: int | None = None) -> list:
        """All clips for small folders; for large ones the ``k`` (default ``prefilter_candidates``) clips whose
        best segment matches the query in the learned joint space (``<checkpoint>.prefilter.safetensors``, see
        tasks/prefilter.py; with the object stage, best row by embedding and object match: tasks/object_prefilter.py).
        The index holds every indexed clip once; a search is restricted to ``clips``."""
        k = self.prefilter_candidates if k is None else k
        if self._prefilter_index is None or k <= 0 or len(clips) < max(PREFILTER_MIN_CLIPS, k + 1):
            return clips
        return self.prefilter_ranking(query, clips, k)

    def prefilter_ranking(self, query: str, clips: list, k: int) -> list:
        """The pre-filter's ``k`` best of ``clips``, best first (``clips`` as they are when there is none)."""
        for clip in clips:  # clips put into self.clips directly (not through add_clip) join the index here
            self._index_for_prefilter(clip)
        index = self._prefilter_index
        if index is None:  # the features did not fit the pre-filter
            return clips
        wanted = set(clips)
        among = None if len(wanted) == len(index) else wanted  # all indexed clips: no selector needed
        # the sentence embedding, exactly as tools/build_ground_prefilter.py trained with
        text = self.text_encoder.encode([query])[0]
        if self.object_match is not None and hasattr(index, "match_weight"):  # the query's object match counts too
            return index.top_clips(text, self.object_match.parse(query), k, among=among)
        return index.top_clips(text, k, among=among)

    @property
    def prefilter(self):
        """The pre-filter's projection, or None when none ships with the checkpoint."""
        return self._prefilter_index.projection if self._prefilter_index is not None else None

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
    from ..registry import check_bundle

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
        # a bundle ({"model": cfg, ...}) or a bare model config as tools/train.py writes it (final.json: its own
        # "type" beside a nested "model")
        is_bundle = "model" in bundle and "type" not in bundle
        bundle = check_bundle(bundle if is_bundle else {"model": bundle}, cfg_path)  # data: tempo's types
        model = load_tempo_checkpoint(checkpoint, bundle["model"])
        return model.float(), bundle
    from .clip_grounding import official_bundle

    model, opt = load_official(checkpoint)
    return model, official_bundle(opt)  # CLIP image + text features, from the folder --clip-dir names

