"""Moment retrieval training data in the Moment-DETR / QVHighlights layout.

* annotations: jsonl, one query per line: ``qid``, ``query``, ``vid``, ``duration`` (s), ``relevant_windows``
  ([[st, ed], ...] s), ``relevant_clip_ids`` and ``saliency_scores`` (3 annotators per relevant clip).
  Charades-STA / TACoS converted to the same form work unchanged (saliency fields optional).
* video features: one or more folders, each with ``<vid>.npz`` (key ``features``) or ``<vid>.npy``, one row per
  ``clip_len`` seconds; each block truncated to ``max_v_l`` rows and L2-normalised, blocks cut to the shortest and
  concatenated, then the 2 TEF columns [t/L, t/L + 1/L] are appended (the model's v_feat_dim includes them).
* text features: ``qid<qid>.npz`` with ``last_hidden_state`` (tokens, L x D) or ``pooler_output`` (one sentence
  vector, used as a 1-token sequence), or ``.npy``; truncated to ``max_q_l`` and L2-normalised per token.

Labels follow the official dataset: spans (center, width) normalised by ``n_clips * clip_len``, at most
``max_windows`` windows (shuffled when more), saliency pairs [hard, easy] and the per-clip annotator sums.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch
from mmengine.registry import FUNCTIONS
from torch.utils.data import Dataset

from tempo.data.clip_saliency import clip_saliency
from tempo.errors import InputError
from tempo.registry import DATASETS


def l2_normalize(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + eps)


def tef(n_clips: int) -> torch.Tensor:
    """Temporal endpoint features: per clip [start, end] as fractions of the video."""
    st = torch.arange(0, n_clips, 1.0) / n_clips
    return torch.stack([st, st + 1.0 / n_clips], 1)


def _load_array(path: Path, key: str) -> np.ndarray:
    if path.suffix == ".npy":
        return np.load(path)
    with np.load(path) as z:
        if key not in z:
            raise InputError(str(path), f"no array {key!r} (has {sorted(z.keys())})")
        return z[key]


def span_labels(windows: list, n_clips: int, clip_len: float, max_windows: int, rng=random) -> torch.Tensor:
    if len(windows) > max_windows:
        windows = list(windows)
        rng.shuffle(windows)
        windows = windows[:max_windows]
    xx = torch.tensor(windows, dtype=torch.float32).reshape(-1, 2) / (n_clips * clip_len)
    return torch.stack([xx.sum(-1) * 0.5, xx[:, 1] - xx[:, 0]], -1)


def saliency_labels(clip_ids: list, scores: list, n_clips: int, rng=random):
    """([hard pos, easy pos], [hard neg, easy neg], per-clip annotator sums) as the official sampler."""
    if not clip_ids:
        return [0, 0], [0, 0], np.zeros(n_clips, dtype=np.float32)
    agg = np.asarray(scores).reshape(len(clip_ids), -1).sum(1)
    order = np.argsort(agg)
    all_scores = np.zeros(n_clips, dtype=np.float32)
    for cid, s in zip(clip_ids, agg):
        if cid < n_clips:
            all_scores[cid] = s
    hard_pos = [min(clip_ids[order[-1]], n_clips - 1)]
    hard_neg = [min(clip_ids[order[0]], n_clips - 1)]
    easy_pool = sorted(set(range(n_clips)) - set(clip_ids))
    if easy_pool:
        easy_pos = [min(c, n_clips - 1) for c in rng.sample(list(clip_ids), k=1)]
        easy_neg = rng.sample(easy_pool, k=1)
    else:
        easy_pos, easy_neg = hard_pos, hard_neg
    return hard_pos + easy_pos, hard_neg + easy_neg, all_scores


@DATASETS.register_module()
class GroundingFeatureDataset(Dataset):
    def __init__(self, ann_file, v_feat_dirs, t_feat_dir, q_feat_type="last_hidden_state", max_q_l=32,
                 max_v_l=75, clip_len=2.0, max_windows=5, use_tef=True, normalize_v=True, normalize_t=True,
                 load_labels=True, v_feat_key="features", seed=None, saliency_from_windows=False,
                 feat_scale=None, object_match=None):
        self.ann_file = Path(ann_file)
        self.v_feat_dirs = [Path(d) for d in ([v_feat_dirs] if isinstance(v_feat_dirs, (str, Path)) else v_feat_dirs)]
        self.t_feat_dir = Path(t_feat_dir)
        if q_feat_type not in ("last_hidden_state", "pooler_output"):
            raise ValueError(f"q_feat_type must be last_hidden_state or pooler_output, got {q_feat_type!r}")
        self.q_feat_type, self.max_q_l, self.max_v_l = q_feat_type, max_q_l, max_v_l
        self.clip_len, self.max_windows, self.use_tef = clip_len, max_windows, use_tef
        self.normalize_v, self.normalize_t, self.load_labels = normalize_v, normalize_t, load_labels
        self.v_feat_key = v_feat_key
        # re-derive clip labels at this clip_len (annotations made for 2-s clips, features at another length)
        self.saliency_from_windows = saliency_from_windows
        # per-channel divisors (.npy) of the video block, applied before the L2 normalisation: flow statistics
        # spread over 0.005-5, and without it the small-scale channels vanish next to the large ones
        self.feat_scale = None if feat_scale is None else np.load(feat_scale).astype(np.float32)
        if self.feat_scale is not None and len(self.v_feat_dirs) != 1:
            raise ValueError("feat_scale needs exactly one video feature folder")
        # {"slots": dir, "parse": dir}: the object stage's slot rows (<vid>.npz) and query parses (qid<qid>.npy)
        # become 3 query match columns after the video blocks (not normalised: they are probabilities)
        self.object_match = {k: Path(v) for k, v in object_match.items()} if object_match else None
        self.rng = random.Random(seed) if seed is not None else random
        if not self.ann_file.is_file():
            raise InputError(str(self.ann_file), "annotation file not found")
        with open(self.ann_file) as f:
            self.data = [json.loads(line) for line in f if line.strip()]

    def __len__(self):
        return len(self.data)

    @staticmethod
    def _find(folder: Path, stem: str) -> Path:
        for ext in (".npz", ".npy"):
            if (folder / (stem + ext)).is_file():
                return folder / (stem + ext)
        raise InputError(str(folder / stem), "feature file (.npz/.npy) not found")

    def video_features(self, vid, qid=None) -> torch.Tensor:
        blocks = []
        for folder in self.v_feat_dirs:
            x = _load_array(self._find(folder, str(vid)), self.v_feat_key)[:self.max_v_l].astype(np.float32)
            if self.feat_scale is not None:
                x = x / self.feat_scale
            blocks.append(l2_normalize(x) if self.normalize_v else x)
        if self.object_match is not None:
            from tempo.models.object_match.match import match_columns

            slots = _load_array(self._find(self.object_match["slots"], str(vid)), "features")[:self.max_v_l]
            blocks.append(match_columns(slots, np.load(self._find(self.object_match["parse"], f"qid{qid}"))))
        n = min(len(b) for b in blocks)
        feats = torch.from_numpy(np.concatenate([b[:n] for b in blocks], 1))
        return torch.cat([feats, tef(n)], 1) if self.use_tef else feats

    def text_features(self, qid) -> torch.Tensor:
        x = _load_array(self._find(self.t_feat_dir, f"qid{qid}"), self.q_feat_type).astype(np.float32)
        x = x.reshape(1, -1) if x.ndim == 1 else x[:self.max_q_l]  # a sentence vector is a 1-token query
        return torch.from_numpy(l2_normalize(x) if self.normalize_t else x)

    def __getitem__(self, index):
        meta = self.data[index]
        item = {"meta": meta, "src_vid": self.video_features(meta["vid"], meta["qid"]),
                "src_txt": self.text_features(meta["qid"])}
        if self.load_labels:
            n = len(item["src_vid"])
            item["span_labels"] = span_labels(meta["relevant_windows"], n, self.clip_len, self.max_windows, self.rng)
            ids, scores = meta.get("relevant_clip_ids", []), meta.get("saliency_scores", [])
            if self.saliency_from_windows:
                ids, scores = clip_saliency(meta["relevant_windows"], min(meta["duration"], n * self.clip_len),
                                            self.clip_len)
            pos, neg, all_scores = saliency_labels(ids, scores, n, self.rng)
            item.update(saliency_pos_labels=pos, saliency_neg_labels=neg, saliency_all_labels=all_scores)
        return item


def pad_stack(seqs: list) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-pad (L_i, D) tensors to the longest: ((B, L, D), float mask (B, L), 1 = valid)."""
    length = max(len(s) for s in seqs)
    out = seqs[0].new_zeros((len(seqs), length) + tuple(seqs[0].shape[1:]))
    mask = torch.zeros(len(seqs), length)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
        mask[i, :len(s)] = 1
    return out, mask


@FUNCTIONS.register_module(name="grounding_collate")
def grounding_collate(batch: list) -> dict:
    """-> {"inputs": model inputs, "data_samples": metas and targets} (mmengine's model call convention)."""
    src_vid, vid_mask = pad_stack([b["src_vid"] for b in batch])
    src_txt, txt_mask = pad_stack([b["src_txt"] for b in batch])
    samples = {"metas": [b["meta"] for b in batch]}
    if "span_labels" in batch[0]:
        samples["span_labels"] = [b["span_labels"] for b in batch]
        samples["saliency_pos_labels"] = torch.tensor([b["saliency_pos_labels"] for b in batch], dtype=torch.long)
        samples["saliency_neg_labels"] = torch.tensor([b["saliency_neg_labels"] for b in batch], dtype=torch.long)
        samples["saliency_all_labels"] = pad_stack([torch.from_numpy(b["saliency_all_labels"]) for b in batch])[0]
    return {"inputs": dict(src_txt=src_txt, src_txt_mask=txt_mask, src_vid=src_vid, src_vid_mask=vid_mask),
            "data_samples": samples}
