"""One-call inference: features of one video in, action segments (seconds) out."""
from __future__ import annotations

import numpy as np
import torch


def detect_segments(model, feats: np.ndarray, fps: float, feat_stride: int, num_frames: int,
                    duration: float | None = None, label_names=None, min_score: float = 0.0,
                    video: str | None = None) -> list[dict]:
    """Run a TriDet on ``feats`` (``T x C``, e.g. a ``tempo extract --layout detect`` ``.npy``).

    ``fps``: frame rate of the frames the features were computed on; feature i covers frames
    [i * feat_stride, i * feat_stride + num_frames). ``duration`` (seconds) clips the segments; by default the
    span the features cover. ``label_names``: list or dict id -> name (default: the id as text).
    Returns dicts ``start``, ``end`` (seconds; -0.0 normalised to 0.0), ``label``, ``label_id``, ``score``
    (+ ``video``), best first.
    """
    feats = np.asarray(feats, dtype=np.float32)
    if feats.ndim != 2 or feats.shape[0] == 0:
        raise ValueError(f"expected T x C features with T > 0, got shape {feats.shape}")
    if duration is None:
        duration = ((feats.shape[0] - 1) * feat_stride + num_frames) / fps
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        dets = model.predict_video({"feats": torch.from_numpy(np.ascontiguousarray(feats.T)).to(device),
                                    "fps": fps, "duration": duration, "feat_stride": feat_stride,
                                    "feat_num_frames": num_frames, "video_id": video})
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
