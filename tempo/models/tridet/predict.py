"""One-call inference: features of one video in, action segments (seconds) out."""
from __future__ import annotations

import numpy as np
import torch


def detect_segments(model, feats: np.ndarray, fps: float, feat_stride: int, num_frames: int,
                    duration: float | None = None, label_names=None, min_score: float = 0.0,
                    video: str | None = None, dtype: str | None = None) -> list[dict]:
    """Run a TriDet on ``feats`` (``T x C``, e.g. a ``tempo extract --layout detect`` ``.npy``).

    ``fps``: frame rate of the frames the features were computed on; feature i covers frames
    [i * feat_stride, i * feat_stride + num_frames). ``duration`` (seconds) clips the segments; by default the
    span the features cover. ``label_names``: list or dict id -> name (default: the id as text).
    Returns dicts ``start``, ``end`` (seconds; -0.0 normalised to 0.0), ``label``, ``label_id``, ``score``
    (+ ``video``), best first. ``dtype``: the network's precision (None: float32), see ``network_candidates``.
    """
    if duration is None:
        duration = default_duration(feats, feat_stride, num_frames, fps)
    cands = network_candidates(model, feats, dtype)
    return postprocess(cands, model.test_cfg, fps, feat_stride, num_frames, duration, label_names, min_score, video)


def default_duration(feats, feat_stride: int, num_frames: int, fps: float) -> float:
    """The span the features cover, in seconds."""
    return ((len(feats) - 1) * feat_stride + num_frames) / fps


def network_candidates(model, feats: np.ndarray, dtype: str | None = None) -> dict:
    """The network part of inference: pre-NMS candidates (numpy ``segments`` (N, 2) in feature-grid units,
    ``scores``, ``labels``), what the detect pipeline caches so that NMS settings recompute only ``postprocess``.
    ``dtype`` "bfloat16"/"float16": backbone, neck and heads under autocast (``TriDet.forward_heads_at``), their
    outputs cast back, so decoding and candidate selection stay float32; None/"float32": the faithful path."""
    feats = np.asarray(feats, dtype=np.float32)
    if feats.ndim != 2 or feats.shape[0] == 0:
        raise ValueError(f"expected T x C features with T > 0, got shape {feats.shape}")
    model.eval()
    with torch.no_grad():
        inputs, masks = model.pad_batch([torch.from_numpy(np.ascontiguousarray(feats.T)).to(model.device)],
                                        training=False)
        cands = model.video_candidates(model.forward_heads_at(inputs, masks, dtype))
    return {k: v.detach().cpu().numpy() for k, v in cands.items()}


def postprocess(cands: dict, test_cfg: dict, fps: float, feat_stride: int, num_frames: int, duration: float,
                label_names=None, min_score: float = 0.0, video: str | None = None) -> list[dict]:
    """NMS (``test_cfg``) over ``network_candidates``, grid -> seconds, then the dicts ``detect_segments`` returns."""
    from .postprocess import grid_to_seconds, run_nms

    dets = run_nms({k: torch.from_numpy(np.asarray(cands[k])) for k in ("segments", "scores", "labels")}, test_cfg)
    dets["segments"] = grid_to_seconds(dets["segments"], feat_stride, num_frames, fps, duration)
    out = []
    for (start, end), score, label in zip(dets["segments"].tolist(), dets["scores"].tolist(),
                                          dets["labels"].tolist()):
        if score < min_score:
            continue
        name = str(label) if label_names is None else label_names[label]
        # float32 rounding may put a clipped end a hair past the (float64) duration
        det = {"start": min(start + 0.0, duration), "end": min(end + 0.0, duration), "label": name,
               "label_id": int(label), "score": score}
        if video is not None:
            det["video"] = video
        out.append(det)
    out.sort(key=lambda d: -d["score"])
    return out
