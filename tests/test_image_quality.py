import numpy as np
import pytest

from tempo.eval.image_quality import psnr, ssim, video_quality


def test_psnr_known_value():
    a = np.zeros((8, 8, 3), np.uint8)
    b = np.full((8, 8, 3), 10, np.uint8)
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / 100))
    assert psnr(a, a) == float("inf")


def test_masked_metrics_only_see_the_region():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (32, 32, 3)).astype(np.uint8)
    b = a.copy()
    b[:8] = 0
    mask = np.zeros((32, 32), bool)
    mask[16:] = True
    assert psnr(a, b, mask) == float("inf")
    assert ssim(a, b, mask) == pytest.approx(1.0)
    assert ssim(a, b) < 0.9


def test_ssim_drops_with_noise_and_video_mean():
    rng = np.random.default_rng(1)
    x = (np.add.outer(np.arange(48), np.arange(48)) * 2.5).astype(np.uint8)[..., None].repeat(3, -1)
    noisy = np.clip(x + rng.normal(0, 20, x.shape), 0, 255).astype(np.uint8)
    assert ssim(x, x) == pytest.approx(1.0) and ssim(x, noisy) < 0.8
    q = video_quality([x, x], [x, noisy])
    assert q["frames"] == 2 and q["psnr"] > psnr(x, noisy)
