"""The SeedVR restorer runs end to end on a tiny model: any size and length, streaming, trainable."""
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config

import tempo.models.seedvr  # noqa: F401
from tempo.registry import MODELS

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "seedvr" / "synth_tiny.py"


def _model():
    torch.manual_seed(0)
    return MODELS.build(Config.fromfile(CONFIG).restorer).eval()


def test_restore_clip_any_size_and_length():
    model = _model()
    clip = torch.rand(6, 20, 36, 3)  # neither 4k+1 frames nor multiples of 16
    out = model.restore_clip(clip)
    assert out.shape == clip.shape
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    torch.testing.assert_close(model.restore_clip(clip), out)  # seeded: deterministic


def test_restore_frames_streams_with_tiles():
    model = _model()
    frames = [np.random.default_rng(i).integers(0, 255, (32, 48, 3), dtype=np.uint8) for i in range(7)]
    out = list(model.restore_frames(iter(frames), chunk=5, overlap=2, tile=32, tile_overlap=16))
    assert len(out) == len(frames)
    assert all(f.shape == (32, 48, 3) and f.dtype == np.uint8 for f in out)


def test_a_flat_frame_comes_back_as_it_was():
    """A fade's black frame or a blank card (one value everywhere) is its own restoration; every frame comes out,
    in order."""
    model = _model()
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (32, 48, 3), dtype=np.uint8) for _ in range(5)]
    frames[0][:] = 0
    frames[3][:] = 17
    out = list(model.restore_frames(iter(frames), chunk=3, overlap=1, tile=None))
    assert np.array_equal(out[0], frames[0]) and np.array_equal(out[3], frames[3])
    assert len(out) == 5 and all(f.shape == (32, 48, 3) and f.dtype == np.uint8 for f in out)


def test_training_loss_backpropagates_into_the_dit_only():
    model = _model().train()
    hq = torch.rand(3, 5, 32, 32) * 2 - 1
    lq = (hq + 0.2 * torch.randn_like(hq)).clamp(-1, 1)
    loss = model.training_loss(hq, lq, torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss)
    assert model.dit.vid_in.proj.weight.grad is not None
    assert all(p.grad is None for p in model.vae.parameters())


def test_untrained_residual_restorer_is_the_identity():
    """residual=True (tempo's small models): the decoder's last conv starts at zero, so training starts from
    the degraded input itself rather than from noise; official models (residual=False) decode the latent."""
    cfg = Config.fromfile(CONFIG).restorer.to_dict()
    assert cfg["residual"]
    clip = torch.rand(5, 20, 36, 3)
    torch.testing.assert_close(MODELS.build(cfg).eval().restore_clip(clip), clip)
    cfg["residual"] = False
    assert not torch.allclose(MODELS.build(cfg).eval().restore_clip(clip), clip, atol=1e-2)
