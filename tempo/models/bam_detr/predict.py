"""Moment grounding on videos of any length: the model sees at most ``window_clips`` clips (QVHighlights models
are trained on <= 75 clips = 150 s), so longer videos are cut into overlapping windows, every window is
decoded, and the moments of all windows are merged with soft-NMS."""
from __future__ import annotations

import numpy as np
import torch

from tempo.data.grounding_dataset import l2_normalize, tef

from .postprocess import soft_nms, span_cxw_to_xx


def window_starts(n_clips: int, window: int, overlap: float) -> list[int]:
    """Start clip of each window; the last one is end-aligned so every window is full (no padding, which
    would change the outputs)."""
    if n_clips <= window:
        return [0]
    stride = max(1, int(round(window * (1 - overlap))))
    starts = list(range(0, n_clips - window + 1, stride))
    if starts[-1] != n_clips - window:
        starts.append(n_clips - window)
    return starts


@torch.no_grad()
def ground_moments(model, video_feats, text_feats, clip_len: float, top_k: int = 10, window_clips: int = 75,
                   overlap: float = 0.5, normalize: bool = True, nms_thd: float = 0.3, batch_size: int = 32,
                   duration: float | None = None) -> list[dict]:
    """Rank moments of one video for one query.

    video_feats: (T, C) per-clip features, one row per ``clip_len`` seconds, WITHOUT the 2 TEF columns (added
    here per window when the model expects them); text_feats: (L, D) token features or (D,) a sentence vector.
    ``normalize`` L2-normalises video rows and text tokens as the dataset does (use False for multi-block features
    you normalised per block). ``model``: a BAMDETR or a BAMDETRGrounder. Returns up to ``top_k`` dicts
    {start, end, score} in seconds, best first.
    """
    return ground_many(model, [video_feats], text_feats, clip_len, top_k, window_clips, overlap, normalize,
                       nms_thd, batch_size, None if duration is None else [duration])[0]


@torch.no_grad()
def ground_many(model, videos: list, text_feats, clip_len: float, top_k: int = 10, window_clips: int = 75,
                overlap: float = 0.5, normalize: bool = True, nms_thd: float = 0.3, batch_size: int = 32,
                durations: list | None = None) -> list[list[dict]]:
    """``ground_moments`` for several videos and one query: ``window_candidates`` (the network) then
    ``merge_candidates`` (soft-NMS, top-k) per video. Returns one list per video, equal to ``ground_moments`` per
    video."""
    cands = window_candidates(model, videos, text_feats, clip_len, window_clips, overlap, normalize, batch_size,
                              durations)
    return [merge_candidates(c, top_k, nms_thd) for c in cands]


def merge_candidates(rows: list, top_k: int = 10, nms_thd: float = 0.3) -> list[dict]:
    """One video's window candidates ``[[start, end, score], ...]`` -> up to ``top_k`` moments, best first.
    Greedy soft-NMS: the moments for ``top_k`` are the first ``top_k`` of those for any larger k, so the
    candidates can be cached and a changed ``top_k`` reruns only this."""
    merged = soft_nms(sorted(rows, key=lambda r: r[2], reverse=True), nms_thd=nms_thd, max_after=top_k)
    return [{"start": st, "end": ed, "score": sc} for st, ed, sc in merged[:top_k]]


@torch.no_grad()
def window_candidates(model, videos: list, text_feats, clip_len: float, window_clips: int = 75,
                      overlap: float = 0.5, normalize: bool = True, batch_size: int = 32,
                      durations: list | None = None) -> list[list[list]]:
    """The network part of ``ground_many``: every window's predicted moments ``[start, end, score]`` (seconds,
    clamped to the video's duration) per video, before NMS. Windows of the same length (from any of the videos) go
    through the model ``batch_size`` at a time: an item's outputs do not depend on the other items of its batch,
    but they do depend on padding (the boundary decoder samples over the padded length, as the official model
    does), so windows are grouped by length instead of padded."""
    bam = getattr(model, "bam", model)
    bam.eval()
    device = next(bam.parameters()).device
    text = np.asarray(text_feats, dtype=np.float32)
    text = text.reshape(1, -1) if text.ndim == 1 else text
    if normalize:
        text = l2_normalize(text)
    v_dim = bam.input_vid_proj[0].LayerNorm.normalized_shape[0]
    # (video index, first clip, length) of every window; the model sees at most window_clips clips at once
    windows, tensors = [], []
    for v, feats in enumerate(videos):
        video = np.asarray(feats, dtype=np.float32)
        if len(video) == 0 or len(text) == 0:
            tensors.append(None)
            continue
        if v_dim not in (video.shape[1], video.shape[1] + 2):
            raise ValueError(f"video features have {video.shape[1]} dims, the model expects {v_dim} "
                             f"(or {v_dim - 2} + TEF)")
        tensors.append(torch.from_numpy(_normalize_rows(video, getattr(bam, "feature_blocks", None))
                                        if normalize else video))
        length = min(window_clips, len(video))
        windows += [(v, s, length) for s in window_starts(len(video), window_clips, overlap)]
    candidates = [[] for _ in videos]
    ends = [len(x) * clip_len if x is not None else 0.0 for x in tensors]  # clamp moments to the duration
    for v, d in enumerate(durations or []):
        ends[v] = float(d) if d is not None else ends[v]
    txt = torch.from_numpy(text).to(device)
    by_length: dict[int, list] = {}
    for w in windows:
        by_length.setdefault(w[2], []).append(w)
    chunks = [group[i:i + batch_size] for group in by_length.values() for i in range(0, len(group), batch_size)]
    for chunk in chunks:
        length = chunk[0][2]
        vids = torch.stack([tensors[v][s:s + length] for v, s, _ in chunk])
        if v_dim == vids.shape[-1] + 2:
            vids = torch.cat([vids, tef(length).expand(len(chunk), -1, -1)], -1)
        out = bam(txt.expand(len(chunk), -1, -1), torch.ones(len(chunk), len(text), device=device),
                  vids.to(device), torch.ones(len(chunk), length, device=device))
        spans = span_cxw_to_xx(out["pred_spans"]).cpu()  # (W, Q, 2) fractions of the window
        scores = out["pred_quality"][..., 0].cpu()
        for b, (v, s, length) in enumerate(chunk):
            secs = (s + spans[b] * length) * clip_len
            for (st, ed), sc in zip(secs.tolist(), scores[b].tolist()):
                candidates[v].append([min(max(st, 0.0), ends[v]), min(max(ed, 0.0), ends[v]), sc])
    return candidates


def _normalize_rows(video: np.ndarray, blocks=None) -> np.ndarray:
    """L2-normalised rows, or with ``blocks`` (column widths, e.g. SlowFast 2304 + CLIP 512 of an official
    QVHighlights model) each block on its own, as the official dataset normalises each feature type; TEF columns
    beyond the blocks are left as they are."""
    if not blocks:
        return l2_normalize(video)
    out, start = video.copy(), 0
    for width in blocks:
        out[:, start:start + width] = l2_normalize(video[:, start:start + width])
        start += width
    return out
