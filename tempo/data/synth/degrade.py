"""Restoration degradations: Gaussian and Poisson noise, blur, down-scaling, JPEG, H.264 CRF, and
mixes of them. Each clip gets one chain with fixed parameters (recorded in the annotation file);
noise is drawn afresh per frame from a per-frame generator."""
from __future__ import annotations

import cv2
import numpy as np

KINDS = ["gaussian_noise", "poisson_noise", "blur", "downscale", "jpeg", "h264", "mix"]
# The order a camera + delivery chain applies them in; a mix keeps this order.
_CHAIN_ORDER = ["blur", "downscale", "gaussian_noise", "poisson_noise", "jpeg", "h264"]
CONTAINER_CRF = 18  # the degraded file's own x264 quality when "h264" is not one of its degradations


def sample_op(kind: str, rng) -> dict:
    """The parameters of one degradation step of ``kind``, drawn as ``tempo synth`` draws them."""
    if kind == "gaussian_noise":
        return {"type": kind, "sigma": round(float(rng.uniform(5, 30)), 2)}
    if kind == "poisson_noise":  # photons at full white: fewer photons, more shot noise
        return {"type": kind, "peak": round(float(rng.uniform(5, 60)), 2)}
    if kind == "blur":
        return {"type": kind, "sigma": round(float(rng.uniform(0.8, 3.0)), 2)}
    if kind == "downscale":
        return {"type": kind, "factor": int(rng.choice([2, 3, 4])), "down": "area", "up": "bicubic"}
    if kind == "jpeg":
        return {"type": kind, "quality": int(rng.integers(10, 46))}
    if kind == "h264":
        return {"type": kind, "crf": int(rng.integers(30, 46))}
    raise ValueError(kind)


def sample_chain(rng) -> tuple:
    """(kind, ordered list of ops)."""
    kind = KINDS[int(rng.integers(len(KINDS)))]
    if kind != "mix":
        return kind, [sample_op(kind, rng)]
    pool = [k for k in _CHAIN_ORDER if k != "poisson_noise" or rng.random() < 0.5]
    pool = [k for k in pool if k != "gaussian_noise" or "poisson_noise" not in pool]  # one noise model
    n = int(rng.integers(2, 5))
    picked = set(rng.choice(pool, size=min(n, len(pool)), replace=False).tolist())
    return kind, [sample_op(k, rng) for k in _CHAIN_ORDER if k in picked]


def output_crf(ops: list) -> int:
    return next((op["crf"] for op in ops if op["type"] == "h264"), CONTAINER_CRF)


def apply(frame: np.ndarray, ops: list, rng) -> np.ndarray:
    """Degrade one RGB uint8 frame (all ops but h264, which happens when the clip is encoded)."""
    h, w = frame.shape[:2]
    img = frame.astype(np.float32)
    for op in ops:
        t = op["type"]
        if t == "blur":
            img = cv2.GaussianBlur(img, (0, 0), op["sigma"], borderType=cv2.BORDER_REFLECT_101)
        elif t == "downscale":
            f = op["factor"]
            small = cv2.resize(img, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA)
            img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        elif t == "gaussian_noise":
            img = img + rng.standard_normal(img.shape, dtype=np.float32) * np.float32(op["sigma"])
        elif t == "poisson_noise":
            peak = op["peak"]
            img = rng.poisson(np.clip(img, 0, 255) / 255.0 * peak).astype(np.float32) * (255.0 / peak)
        elif t == "jpeg":
            u8 = np.clip(img + 0.5, 0, 255).astype(np.uint8)
            ok, buf = cv2.imencode(".jpg", u8[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, op["quality"]])
            img = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)
