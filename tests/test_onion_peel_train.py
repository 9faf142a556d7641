"""OPN training wrapper: a few mmengine train steps on one clip lower the loss."""
import pytest
import torch
from mmengine.optim import OptimWrapper

from tempo.models.onion_peel.train_model import OPNTrainer


def _clip(t=3, h=32, w=48):
    g = torch.Generator().manual_seed(0)
    world = torch.rand(3, h, w + 4 * t, generator=g)
    world = torch.nn.functional.avg_pool2d(world[None], 3, 1, 1)[0]  # some spatial correlation
    clip = torch.stack([world[:, :, 4 * i:4 * i + w] for i in range(t)])
    holes = torch.zeros(t, 1, h, w)
    for i in range(t):
        holes[i, :, 10:20, 8 + 6 * i:20 + 6 * i] = 1
    return clip, holes


def test_loss_decreases():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = OPNTrainer()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    clip, holes = _clip()
    data = {"inputs": [clip], "holes": [holes]}
    losses = [sum(model.train_step(data, optim).values()).item() for _ in range(8)]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert min(losses[-3:]) < losses[0]


def test_runner_trains_from_config(tmp_path):
    import subprocess
    import sys

    from mmengine.config import Config

    from tempo.training import runner_from_cfg

    data = tmp_path / "synth"
    subprocess.run([sys.executable, "-m", "tempo", "synth", "--task", "complete", "--preset", "tiny", "-o",
                    str(data)], check=True, capture_output=True)
    cfg = Config.fromfile("configs/onion_peel/synth_small.py")
    cfg.train_dataloader.dataset.synth_dir = str(data)
    cfg.train_dataloader.dataset.crop = (48, 64)
    cfg.train_dataloader.batch_size = 1
    cfg.train_cfg.max_iters = 2
    cfg.work_dir = str(tmp_path / "work")
    runner = runner_from_cfg(cfg)  # what tools/train.py uses
    runner.train()
    assert runner.iter == 2


def test_real_footage_clips_get_synthetic_masks_and_respect_the_frame_limit(tmp_path):
    import numpy as np

    from tempo.io import write_video
    from tempo.models.onion_peel.train_data import OnionPeelClips

    frames = np.stack([np.full((48, 64, 3), 10 * i, np.uint8) for i in range(20)])
    write_video(tmp_path / "real.mkv", frames, 10, codec="ffv1")
    data = OnionPeelClips(videos=[f"{tmp_path / 'real.mkv'}@8"], clip_len=3, max_stride=3, crop=(32, 48), length=6)
    for i in range(len(data)):
        item = data[i]
        assert item["inputs"].shape == (3, 3, 32, 48) and item["holes"].shape == (3, 1, 32, 48)
        assert item["holes"][0].any() and not item["holes"].flatten(1).all(dim=1).any()
        assert item["inputs"].max() <= 70 / 255 + 1e-6  # frames 0..7 only: the rest is held out


def test_copy_curriculum_clips_repeat_one_frame_with_independent_holes(tmp_path):
    import numpy as np

    from tempo.io import write_video
    from tempo.models.onion_peel.train_data import OnionPeelClips

    frames = np.stack([np.full((48, 64, 3), 10 * i, np.uint8) for i in range(20)])
    write_video(tmp_path / "real.mkv", frames, 10, codec="ffv1")
    data = OnionPeelClips(videos=[str(tmp_path / "real.mkv")], clip_len=3, min_stride=0, max_stride=0,
                          independent_memory_holes=1.0, crop=(32, 48), length=6)
    for i in range(len(data)):
        item = data[i]
        assert torch.equal(item["inputs"][0], item["inputs"][1]) and torch.equal(item["inputs"][0], item["inputs"][2])
        holes = item["holes"][:, 0] > 0.5
        assert holes[0].any()
    # each memory frame draws its own mask: over a few clips they differ from the target's
    assert any(not torch.equal(data[i]["holes"][0], data[i]["holes"][1]) for i in range(len(data)))


def test_training_init_keeps_the_encoder_features_alive():
    # PyTorch's default init shrinks OPN's keys/values ~100x (uniform attention, a constant decoder input)
    from tempo.models.onion_peel.layers import init_for_training
    from tempo.models.onion_peel.opn import OPN

    torch.manual_seed(0)
    frame, valid, hole = torch.rand(1, 3, 32, 48), torch.ones(1, 1, 32, 48), torch.zeros(1, 1, 32, 48)
    default_key, _ = OPN(width=0.25).Encoder(frame, valid, hole)
    key, value = init_for_training(OPN(width=0.25)).Encoder(frame, valid, hole)
    assert default_key.std() < 0.05 and key.std() > 0.15 and value.std() > 0.15  # (zero padding dominates 8x12)
    assert OPNTrainer(opn=dict(width=0.25)).opn.Encoder.key3.input_conv.weight.std() > 0.05


def test_autoencoder_warmup_trains_the_decoder_first_then_the_hole_loss():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = OPNTrainer(opn=dict(width=0.25), autoencoder_iters=3, match_weight=0.1)
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    clip, holes = _clip()
    data = {"inputs": [clip], "holes": [holes]}
    steps = [model.train_step(data, optim) for _ in range(4)]
    assert [set(s) for s in steps[:3]] == [{"loss", "loss_autoencoder", "loss_match"}] * 3
    assert "loss_hole" in steps[3] and "loss_autoencoder" not in steps[3]
    assert steps[2]["loss_autoencoder"] < steps[0]["loss_autoencoder"]
    assert steps[2]["loss_match"] < steps[0]["loss_match"]
    with pytest.raises(ValueError, match="mean-fill"):
        OPNTrainer(opn=dict(width=0.25, prefill="telea"), autoencoder_iters=3)


def test_key_match_loss_targets_the_same_position_in_the_memory_copy():
    import math

    from tempo.models.onion_peel.layers import init_for_training
    from tempo.models.onion_peel.opn import OPN
    from tempo.models.onion_peel.warmup import key_match_loss

    torch.manual_seed(0)
    opn = OPN(width=0.25)
    frame = torch.rand(1, 3, 32, 48)
    hole_q, hole_m = torch.zeros(1, 1, 32, 48), torch.zeros(1, 1, 32, 48)
    hole_q[..., 8:16, 8:16] = 1
    hole_m[..., 8:16, 8:16] = 1
    assert key_match_loss(opn, frame, hole_q, hole_m) is None  # the memory copy hides the same place: nothing to match
    hole_m.zero_()
    hole_m[..., 20:28, 30:40] = 1
    torch.nn.init.zeros_(opn.Encoder.key3.input_conv.weight)
    torch.nn.init.zeros_(opn.Encoder.key3.input_conv.bias)
    # all-zero keys: uniform attention, so the loss is log(#readable memory positions), whatever the target
    n_readable = 8 * 12 - 2 * 3  # 1/4-scale cells: the memory hole rows 20:28, cols 30:40 touch 2 x 3 of them
    assert key_match_loss(opn, frame, hole_q, hole_m).item() == pytest.approx(math.log(n_readable), rel=1e-5)
    init_for_training(opn)
    assert key_match_loss(opn, frame, hole_q, hole_m).item() < math.log(n_readable)  # random keys already prefer it
