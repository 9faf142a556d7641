"""PSNR and SSIM for restoration and completion, optionally restricted to a region (the holes).

SSIM follows Wang et al. 2004 (Gaussian window σ=1.5, K1=0.01, K2=0.03) on luma-free RGB channels
averaged, as scikit-image's ``structural_similarity(gaussian_weights=True)`` does; written with
scipy's gaussian_filter because scikit-image is not a dependency.
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter


def psnr(ref: np.ndarray, out: np.ndarray, mask: np.ndarray | None = None, data_range: float = 255.0) -> float:
    """PSNR in dB over all pixels, or over ``mask`` (H×W or N×H×W bool) when given."""
    ref = np.asarray(ref, np.float64)
    out = np.asarray(out, np.float64)
    err = (ref - out) ** 2
    if mask is not None:
        m = np.broadcast_to(np.asarray(mask, bool)[..., None], err.shape)
        if not m.any():
            return float("nan")
        mse = err[m].mean()
    else:
        mse = err.mean()
    return float("inf") if mse == 0 else float(10 * np.log10(data_range ** 2 / mse))


def ssim_map(ref: np.ndarray, out: np.ndarray, data_range: float = 255.0, sigma: float = 1.5) -> np.ndarray:
    """Per-pixel SSIM of two H×W×C (or H×W) images, averaged over channels."""
    ref = np.asarray(ref, np.float64)
    out = np.asarray(out, np.float64)
    if ref.ndim == 2:
        ref, out = ref[..., None], out[..., None]
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    maps = []
    for c in range(ref.shape[-1]):
        x, y = ref[..., c], out[..., c]
        blur = lambda a: gaussian_filter(a, sigma, truncate=3.5)  # noqa: E731 - skimage's window (r=int(3.5σ+.5))
        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        maps.append(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2)))
    return np.mean(maps, axis=0)


def ssim(ref: np.ndarray, out: np.ndarray, mask: np.ndarray | None = None, data_range: float = 255.0) -> float:
    """Mean SSIM over the image, or over ``mask`` (H×W bool) when given."""
    m = ssim_map(ref, out, data_range)
    if mask is not None:
        mask = np.asarray(mask, bool)
        return float(m[mask].mean()) if mask.any() else float("nan")
    return float(m.mean())


def video_quality(refs, outs, masks=None) -> dict:
    """Mean per-frame PSNR/SSIM over paired frame iterables (masks: per-frame H×W bool or None)."""
    psnrs, ssims = [], []
    masks = masks if masks is not None else iter(lambda: None, 0)
    for ref, out, mask in zip(refs, outs, masks):
        p = psnr(ref, out, mask)
        if np.isnan(p):
            continue
        psnrs.append(min(p, 100.0))  # identical frames would make the mean infinite
        ssims.append(ssim(ref, out, mask))
    return {"psnr": float(np.mean(psnrs)) if psnrs else float("nan"),
            "ssim": float(np.mean(ssims)) if ssims else float("nan"), "frames": len(psnrs)}
