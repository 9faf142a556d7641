"""Clip-level pre-filter for folder search: a faiss inner-product index over per-clip embeddings.

Running the grounding head on every clip of a large folder for every query is too slow, so search
first ranks clips by how well any of their short segments matches the query in a joint
embedding space, then runs the head on the best candidates only.

The joint space: video features (e.g. 1280-d EfficientNet-Lite0, per 2-s segment) are mapped by a
learned linear projection into the text encoder's space (e.g. 384-d MiniLM). The projection is
trained contrastively (symmetric InfoNCE) on (relevant-window features, caption) pairs of the
grounding training set. Where video and text encoders already share a space (CLIP image/text),
the projection is the identity.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F


class SegmentProjection(torch.nn.Module):
    """Linear map from video-feature space to text space (identity when ``video_dim is None``)."""

    def __init__(self, video_dim: int | None, text_dim: int):
        super().__init__()
        self.proj = torch.nn.Linear(video_dim, text_dim) if video_dim else None
        self.logit_scale = torch.nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))

    def forward(self, video_feats: torch.Tensor) -> torch.Tensor:
        x = self.proj(video_feats) if self.proj is not None else video_feats
        return F.normalize(x, dim=-1)


def train_projection(video_feats: np.ndarray, text_feats: np.ndarray, epochs: int = 60, lr: float = 3e-3,
                     batch_size: int = 256, seed: int = 0) -> SegmentProjection:
    """Fit the projection on paired rows: ``video_feats[i]`` (pooled relevant window) ↔ ``text_feats[i]``."""
    gen = torch.Generator().manual_seed(seed)
    v = torch.as_tensor(video_feats, dtype=torch.float32)
    t = F.normalize(torch.as_tensor(text_feats, dtype=torch.float32), dim=-1)
    model = SegmentProjection(v.shape[1], t.shape[1])
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


@dataclass
class ClipPrefilter:
    """faiss index over every segment of every indexed clip; a clip's score is its best segment's."""

    projection: SegmentProjection
    clip_ids: list = field(default_factory=list)
    _owners: list = field(default_factory=list)
    _index: object = None

    def add(self, clip_id, segment_feats: np.ndarray) -> None:
        import faiss

        with torch.no_grad():
            emb = self.projection(torch.as_tensor(segment_feats, dtype=torch.float32)).numpy()
        if self._index is None:
            self._index = faiss.IndexFlatIP(emb.shape[1])
        self._index.add(np.ascontiguousarray(emb, dtype=np.float32))
        self._owners.extend([len(self.clip_ids)] * len(emb))
        self.clip_ids.append(clip_id)

    def top_clips(self, text_embedding: np.ndarray, k: int) -> list:
        """The ``k`` clips whose best segment is most similar to the (sentence) text embedding."""
        if self._index is None or k <= 0:
            return []
        q = np.asarray(text_embedding, np.float32).reshape(1, -1)
        q = q / max(np.linalg.norm(q), 1e-12)
        # Search enough segments that k distinct clips appear (clips have many segments).
        n = min(self._index.ntotal, max(k * 32, 256))
        while True:
            _, idx = self._index.search(q, n)
            seen: list = []
            for i in idx[0]:
                if i < 0:
                    continue
                owner = self._owners[i]
                if owner not in seen:
                    seen.append(owner)
                if len(seen) == k:
                    break
            if len(seen) >= min(k, len(self.clip_ids)) or n >= self._index.ntotal:
                return [self.clip_ids[o] for o in seen]
            n = min(self._index.ntotal, n * 4)
