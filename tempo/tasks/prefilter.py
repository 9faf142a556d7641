"""Clip-level pre-filter for folder search: a faiss inner-product index over per-clip embeddings.

Running the grounding head on every clip of a large folder for every query is too slow, so search
first ranks clips by how well any of their short segments matches the query in a joint
embedding space, then runs the head on the best candidates only.

The joint space: video features (e.g. 1357-d TwoStream, one row per ``clip_len`` s) are mapped by a
learned linear projection into the text encoder's sentence space (384-d MiniLM ``encode``). Rows are
L2-normalised first, as the grounding dataset does, so the projection sees the same rows as the head;
a segment is the mean of the normalised rows over about ``segment_seconds`` (so 0.6-s and 2-s features
give segments of similar length). The projection is trained contrastively (symmetric InfoNCE) on
(mean of the rows inside a relevant window, query sentence embedding) pairs of the grounding training
set (tools/build_ground_prefilter.py). Where video and text encoders already share a space (CLIP
image/text), the projection is the identity.

Saved as ``<bundle>.prefilter.safetensors`` (weights) + ``<bundle>.prefilter.json`` (dims, text
encoder, segment length, what it was trained on) beside the grounder's weights.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


def l2_rows(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Rows scaled to unit length, as tempo.data.grounding_dataset.l2_normalize (same eps)."""
    x = np.asarray(x, np.float32)
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + eps)


def pooled_segments(video_feats: np.ndarray, clip_len: float, segment_seconds: float = 2.0) -> np.ndarray:
    """Means of the L2-normalised rows over windows of ~``segment_seconds`` with half overlap; (S, C)."""
    rows = l2_rows(video_feats)
    width = max(1, int(round(segment_seconds / clip_len)))
    if len(rows) <= width:
        return rows.mean(0, keepdims=True)
    stride = max(1, width // 2)
    starts = list(range(0, len(rows) - width + 1, stride))
    if starts[-1] != len(rows) - width:
        starts.append(len(rows) - width)  # end-aligned last window: the tail is covered too
    csum = np.concatenate([np.zeros((1, rows.shape[1]), np.float32), np.cumsum(rows, 0, dtype=np.float64)])
    starts = np.asarray(starts)
    return ((csum[starts + width] - csum[starts]) / width).astype(np.float32)


def window_rows(video_feats: np.ndarray, clip_len: float, start: float, end: float) -> np.ndarray:
    """Mean of the L2-normalised rows whose ``clip_len`` span overlaps [start, end] s (at least one row)."""
    rows = l2_rows(video_feats)
    first = min(int(np.floor(max(start, 0.0) / clip_len)), len(rows) - 1)
    last = max(first, min(int(np.ceil(end / clip_len)) - 1, len(rows) - 1))
    return rows[first:last + 1].mean(0)


class SegmentProjection(torch.nn.Module):
    """Linear map from video-feature space to text space (identity when ``video_dim is None``).
    ``mean``/``std`` optionally standardise the input dims first (``train_projection(standardize=True)``);
    off by default: on the synth set it fit the training videos better and generalised worse."""

    def __init__(self, video_dim: int | None, text_dim: int):
        super().__init__()
        self.proj = torch.nn.Linear(video_dim, text_dim) if video_dim else None
        dim = video_dim or text_dim
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        self.logit_scale = torch.nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))

    def forward(self, video_feats: torch.Tensor) -> torch.Tensor:
        x = (video_feats - self.mean) / self.std
        x = self.proj(x) if self.proj is not None else x
        return F.normalize(x, dim=-1)

    def embed(self, segments: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self(torch.as_tensor(np.asarray(segments), dtype=torch.float32)).numpy()


def train_projection(video_feats: np.ndarray, text_feats: np.ndarray, epochs: int = 60, lr: float = 3e-3,
                     batch_size: int = 256, seed: int = 0, standardize: bool = False) -> SegmentProjection:
    """Fit the projection on paired rows: ``video_feats[i]`` (pooled relevant window) ↔ ``text_feats[i]``."""
    torch.manual_seed(seed)  # the layer's initialisation
    gen = torch.Generator().manual_seed(seed)
    v = torch.as_tensor(video_feats, dtype=torch.float32)
    t = F.normalize(torch.as_tensor(text_feats, dtype=torch.float32), dim=-1)
    model = SegmentProjection(v.shape[1], t.shape[1])
    if standardize:
        model.mean.copy_(v.mean(0))
        model.std.copy_(v.std(0).clamp(min=1e-6))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    for _ in range(epochs):
        order = torch.randperm(len(v), generator=gen)
        for start in range(0, len(v), batch_size):
            idx = order[start:start + batch_size]
            if len(idx) < 2:
                continue
            logits = model(v[idx]) @ t[idx].T * model.logit_scale.exp().clamp(max=100)
            # Rows with the same caption are not negatives of each other: mask duplicates.
            same = (t[idx] @ t[idx].T) > 0.999
            logits = logits.masked_fill(same & ~torch.eye(len(idx), dtype=torch.bool), -1e4)
            target = torch.arange(len(idx))
            loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def prefilter_path(checkpoint) -> Path:
    """``model.safetensors`` / ``model.ckpt`` -> ``model.prefilter.safetensors`` in the same folder."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.stem + ".prefilter.safetensors")


def save_projection(model: SegmentProjection, path, meta: dict) -> Path:
    """Weights as safetensors + ``meta`` (plus the dims) as the sibling .json."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if model.proj is None:
        raise ValueError("the identity projection has nothing to save")
    meta = {**meta, "video_dim": model.proj.in_features, "text_dim": model.proj.out_features}
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(path))
    umask = os.umask(0)  # safetensors writes 0600; a shipped weight file should be readable like the others
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return path


def load_projection(path) -> tuple[SegmentProjection, dict]:
    from safetensors.torch import load_file

    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    model = SegmentProjection(meta["video_dim"], meta["text_dim"])
    model.load_state_dict(load_file(str(path)))
    return model.eval(), meta


@dataclass
class ClipPrefilter:
    """faiss index over the segments of every indexed clip; a clip's score is its best segment's.
    Clips are added once (as they are indexed); a query may be restricted to a subset of them."""

    projection: SegmentProjection
    clip_len: float = 2.0
    segment_seconds: float = 2.0
    clip_ids: list = field(default_factory=list)
    _owners: list = field(default_factory=list)
    _rows: dict = field(default_factory=dict)  # clip id -> (first segment id, segment count)
    _index: object = None

    def __contains__(self, clip_id) -> bool:
        return clip_id in self._rows

    def __len__(self) -> int:
        return len(self.clip_ids)

    def add(self, clip_id, video_feats: np.ndarray) -> None:
        """Add one clip's (T, C) feature rows (raw: pooled and normalised here). A clip id already in the
        index is not added again."""
        import faiss

        if clip_id in self._rows or len(video_feats) == 0:
            return
        emb = self.projection.embed(pooled_segments(video_feats, self.clip_len, self.segment_seconds))
        if self._index is None:
            self._index = faiss.IndexFlatIP(emb.shape[1])
        self._rows[clip_id] = (self._index.ntotal, len(emb))
        self._index.add(np.ascontiguousarray(emb, dtype=np.float32))
        self._owners.extend([len(self.clip_ids)] * len(emb))
        self.clip_ids.append(clip_id)

    def top_clips(self, text_embedding: np.ndarray, k: int, among=None) -> list:
        """The ``k`` clips whose best segment is most similar to the (sentence) text embedding, best
        first; only clips in ``among`` when given (clips of ``among`` not in the index are ignored)."""
        import faiss

        if self._index is None or k <= 0:
            return []
        params, total = None, self._index.ntotal
        if among is not None:
            spans = [self._rows[c] for c in among if c in self._rows]
            if not spans:
                return []
            ids = np.concatenate([np.arange(first, first + n, dtype=np.int64) for first, n in spans])
            params, total = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids)), len(ids)
            n_clips = len(spans)
        else:
            n_clips = len(self.clip_ids)
        q = np.asarray(text_embedding, np.float32).reshape(1, -1)
        q = np.ascontiguousarray(q / max(np.linalg.norm(q), 1e-12))
        # Search enough segments that k distinct clips appear (clips have many segments).
        n = min(total, max(k * 32, 256))
        while True:
            _, idx = self._index.search(q, n, params=params)
            seen: dict = {}  # insertion-ordered set of owners
            for i in idx[0]:
                if i < 0:
                    continue
                seen.setdefault(self._owners[i])
                if len(seen) == k:
                    break
            if len(seen) >= min(k, n_clips) or n >= total:
                return [self.clip_ids[o] for o in seen]
            n = min(total, n * 4)
