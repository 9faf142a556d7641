"""The fixed space-to-depth latent of the CPU-trainable SeedVR config (issue #23)."""
import torch
from mmengine.config import Config

import tempo.models.seedvr  # noqa: F401  (registers the modules)
import tempo.models.seedvr.train_model  # noqa: F401
from tempo.models.seedvr import SpaceToDepthLatent
from tempo.registry import MODELS


def test_fold_is_lossless_and_matches_the_dit_layout():
    vae = SpaceToDepthLatent(factor=2)
    x = torch.rand(1, 3, 5, 8, 12) * 2 - 1
    mean, logvar = vae.encode(x)
    assert mean.shape == (1, 12, 5, 4, 6) and float(logvar.max()) == -30.0
    torch.testing.assert_close(vae.decode(mean), x)
    torch.testing.assert_close(vae.from_dit_latent(vae.to_dit_latent(mean[0])), mean[0])
    # an image in, an image out
    torch.testing.assert_close(vae.decode(vae.encode(x[:, :, 0])[0], image=True), x[:, :, 0])


def test_untrained_restorer_is_the_identity_and_one_step_trains():
    cfg = Config.fromfile("configs/seedvr/synth_s2d.py")
    model = MODELS.build(cfg.model.to_dict())
    clip = torch.rand(5, 32, 32, 3)
    torch.testing.assert_close(model.restorer.restore_clip(clip), clip)
    lq = [torch.rand(3, 5, 32, 32) * 2 - 1]
    losses = model(lq, [x * 0.5 for x in lq])
    sum(losses.values()).backward()
    assert model.restorer.vae.decoder.conv_out.weight.grad.abs().sum() > 0  # the zeroed head learns first


def test_pixel_refiner_starts_as_a_no_op_then_learns_from_the_degraded_frames():
    from tempo.models.seedvr import PixelRefiner

    torch.manual_seed(0)
    head = PixelRefiner(channels=8, layers=3)
    restored, degraded = torch.rand(3, 4, 16, 20) * 2 - 1, torch.rand(3, 4, 16, 20) * 2 - 1
    torch.testing.assert_close(head(restored, degraded), restored)  # zero last conv: adding it changes nothing
    cfg = Config.fromfile("configs/seedvr/synth_s2d.py")
    model = MODELS.build(cfg.model.to_dict())
    assert model.restorer.refiner is not None
    lq = [torch.rand(3, 5, 32, 32) * 2 - 1]
    sum(model(lq, [x * 0.5 for x in lq]).values()).backward()
    assert model.restorer.refiner.net[-1].weight.grad.abs().sum() > 0
    # a model without a refiner has no refiner keys: earlier checkpoints and the official ones load unchanged
    plain = MODELS.build(Config.fromfile("configs/seedvr/synth_tiny.py").restorer.to_dict())
    assert not any(k.startswith("refiner") for k in plain.state_dict())


def test_context_stage_starts_as_a_no_op_and_sees_beyond_the_full_resolution_convs():
    """PixelRefiner(context_channels=...) adds a half-resolution stage: zero-initialised (weights saved without it
    still restore the same), and once trained a pixel's correction depends on pixels 10 away, which the three 3x3
    full-resolution convs (receptive field 7) cannot see."""
    from tempo.models.seedvr import PixelRefiner

    torch.manual_seed(0)
    plain = PixelRefiner(channels=8, layers=3)
    wide = PixelRefiner(channels=8, layers=3, context_channels=8, context_blocks=2)
    missing, unexpected = wide.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith("context.") for k in missing)
    restored, degraded = torch.rand(3, 2, 32, 32) * 2 - 1, torch.rand(3, 2, 32, 32) * 2 - 1
    torch.testing.assert_close(wide(restored, degraded), plain(restored, degraded))
    for p in wide.parameters():  # as if trained
        torch.nn.init.normal_(p, std=0.1)
    far = degraded.clone()
    far[:, :, 16, 26] += 1.0  # 10 pixels right of (16, 16)
    assert (wide(restored, far) - wide(restored, degraded))[:, :, 16, 16].abs().max() > 0
    wide.context = None
    assert torch.equal(wide(restored, far)[:, :, 16, 16], wide(restored, degraded)[:, :, 16, 16])
