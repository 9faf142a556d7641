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
    bam = getattr(model, "bam", model)
    bam.eval()
    device = next(bam.parameters()).device
    video = np.asarray(video_feats, dtype=np.float32)
    text = np.asarray(text_feats, dtype=np.float32)
    text = text.reshape(1, -1) if text.ndim == 1 else text
    if normalize:
        video, text = l2_normalize(video), l2_normalize(text)
    n_clips = len(video)
    if n_clips == 0 or len(text) == 0:
        return []
    v_dim = bam.input_vid_proj[0].LayerNorm.normalized_shape[0]
    use_tef = v_dim == video.shape[1] + 2
    if not use_tef and v_dim != video.shape[1]:
        raise ValueError(f"video features have {video.shape[1]} dims, the model expects {v_dim} (or {v_dim - 2} + TEF)")
    duration = float(duration) if duration is not None else n_clips * clip_len

    video_t = torch.from_numpy(video)
    txt = torch.from_numpy(text).to(device)
    candidates = []
    starts = window_starts(n_clips, window_clips, overlap)
    for i in range(0, len(starts), batch_size):
        chunk = starts[i:i + batch_size]
        length = min(window_clips, n_clips)
        vids = torch.stack([video_t[s:s + length] for s in chunk])
        if use_tef:
            vids = torch.cat([vids, tef(length).expand(len(chunk), -1, -1)], -1)
        vids = vids.to(device)
        out = bam(txt.expand(len(chunk), -1, -1), torch.ones(len(chunk), len(text), device=device),
                  vids, torch.ones(len(chunk), length, device=device))
        spans = span_cxw_to_xx(out["pred_spans"]).cpu()  # (W, Q, 2) fractions of the window
        scores = out["pred_quality"][..., 0].cpu()
        for w, s in enumerate(chunk):
            secs = (s + spans[w] * length) * clip_len
            for (st, ed), sc in zip(secs.tolist(), scores[w].tolist()):
                candidates.append([min(max(st, 0.0), duration), min(max(ed, 0.0), duration), sc])
    merged = soft_nms(sorted(candidates, key=lambda r: r[2], reverse=True), nms_thd=nms_thd, max_after=top_k)
    return [{"start": st, "end": ed, "score": sc} for st, ed, sc in merged[:top_k]]
