"""Training the tiny SeedVR restorer: the one-step loss decreases; tools/train.py's Runner trains from the config
on synth pairs plus real footage; its export loads back as a restorer; held-out real pairs are written."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

import tempo.models.seedvr  # noqa: F401
from tempo.cli import main
from tempo.models.seedvr.checkpoint import load_restorer
from tempo.models.seedvr.train_data import SeedVRPairs, degrade_clip, real_footage, write_degraded_pairs
from tempo.models.seedvr.train_model import SeedVRTrainer
from tempo.registry import MODELS

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CONFIG = "configs/seedvr/synth_tiny.py"


def _pair(t=5, h=32, w=32):
    g = torch.Generator().manual_seed(0)
    world = torch.nn.functional.avg_pool2d(torch.rand(1, 3, h, w + 2 * t, generator=g), 5, 1, 2)[0]
    hq = torch.stack([world[:, :, 2 * i:2 * i + w] for i in range(t)], dim=1) * 2 - 1  # (3, T, H, W) panning
    lq = (hq + 0.3 * torch.randn(hq.shape, generator=g)).clamp(-1, 1)
    return lq, hq


@pytest.mark.parametrize("mode", ["onestep", "flow"])
def test_loss_decreases(mode, request):
    torch.manual_seed(0)
    cfg = Config.fromfile(str(request.config.rootpath / CONFIG)).restorer.to_dict()
    cfg["residual"] = False  # a residual model starts at the identity, whose loss falls too slowly for 8 steps
    model = SeedVRTrainer(cfg, mode=mode, recon_weight=0.5 if mode == "onestep" else 0.0)
    optim = OptimWrapper(torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=2e-3))
    lq, hq = _pair()
    data = {"inputs": [lq], "targets": [hq]}
    if mode == "flow":  # the v loss is noisy per step: fix the noise so the trend shows in a few steps
        torch.manual_seed(1)
        losses = []
        for _ in range(8):
            torch.manual_seed(1)
            losses.append(sum(model.train_step(data, optim).values()).item())
    else:
        losses = [sum(model.train_step(data, optim).values()).item() for _ in range(8)]
    assert all(np.isfinite(losses))
    assert min(losses[-3:]) < 0.9 * losses[0]


def test_dataset_mixes_synth_pairs_and_degraded_real_footage(tmp_path):
    assert main(["synth", "--task", "restore", "--preset", "tiny", "-o", str(tmp_path / "s")]) == 0
    real = real_footage(["carphone_pristine.mp4"])
    ds = SeedVRPairs(synth_dir=tmp_path / "s", videos=real, clip_len=5, crop=(32, 48), length=6)
    items = [ds[i] for i in range(6)]
    assert all(it["inputs"].shape == it["targets"].shape == (3, 5, 32, 48) for it in items)
    assert all(it["inputs"].min() >= -1 and it["targets"].max() <= 1 for it in items)
    assert any(not torch.equal(it["inputs"], it["targets"]) for it in items)
    only_synth = SeedVRPairs(synth_dir=tmp_path / "s", videos=real, clip_len=5, crop=(32, 48), length=4,
                             real_fraction=0.0)
    for i in range(4):
        only_synth[i]
    assert not only_synth._real_cache  # the real video was never decoded
    only_real = SeedVRPairs(synth_dir=tmp_path / "s", videos=real, clip_len=5, crop=(32, 48), length=2,
                            real_fraction=1.0)
    only_real[0]
    assert list(only_real._real_cache) == [Path(real[0])]
    frames = np.random.default_rng(0).integers(0, 255, (3, 16, 16, 3), dtype=np.uint8)
    out, kind = degrade_clip(frames, np.random.default_rng(3))
    assert out.shape == frames.shape and out.dtype == np.uint8 and kind


def test_runner_trains_from_config_and_exports_a_restorer(tmp_path):
    from tempo.training import export_weights, runner_from_cfg

    assert main(["synth", "--task", "restore", "--preset", "tiny", "-o", str(tmp_path / "s")]) == 0
    cfg = Config.fromfile(CONFIG)
    ds = cfg.train_dataloader.dataset
    ds.synth_dir, ds.real_footage_default, ds.videos = (str(tmp_path / "s"), False,
                                                        real_footage(["carphone_pristine.mp4"]))
    ds.crop, ds.length = (32, 32), 4
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.max_iters = 2
    cfg.work_dir = str(tmp_path / "work")
    runner = runner_from_cfg(cfg)  # what tools/train.py uses
    runner.train()
    assert runner.iter == 2
    path = export_weights(runner, tmp_path / "work" / "final.safetensors", cfg.model.to_dict())
    restorer, model_cfg = load_restorer(path)
    assert model_cfg["type"] == "SeedVRRestorer"
    out = restorer.restore_clip(torch.rand(3, 20, 24, 3))
    assert out.shape == (3, 20, 24, 3)


def test_write_degraded_pairs_makes_an_evaluable_folder(tmp_path):
    real = real_footage(["carphone_pristine.mp4"])
    d = write_degraded_pairs(real, tmp_path / "real", clip_len=5, width=64)
    doc = json.loads((d / "annotations" / "restore.json").read_text())
    (vid, rec), = doc["clips"].items()
    assert rec["subset"] == "testing" and rec["num_frames"] == 5 and (d / rec["clean"]).is_file()
    assert main(["evaluate", "restore", "--data", str(d), "--no-model", "--baselines", "identity"]) == 0


def test_held_out_pairs_score_each_kind_with_a_real_h264_encode(tmp_path):
    from tempo.io import VideoReader
    from tempo.models.seedvr.train_data import EVAL_KINDS

    real = real_footage(["carphone_pristine.mp4"])
    kinds = ["h264", "noise_h264", "blur"]
    d = write_degraded_pairs(real * 3, tmp_path / "real", clip_len=4, width=63, kinds=kinds)
    clips = json.loads((d / "annotations" / "restore.json").read_text())["clips"]
    assert [r["kind"] for r in clips.values()] == kinds and set(kinds) <= set(EVAL_KINDS)
    assert [[op["type"] for op in r["ops"]] for r in clips.values()] == [["h264"], ["gaussian_noise", "h264"],
                                                                         ["blur"]]
    for rec in clips.values():
        clean = VideoReader(str(d / rec["clean"])).get_frames(list(range(4)))
        bad = VideoReader(str(d / rec["degraded"])).get_frames(list(range(4)))
        assert clean.shape == bad.shape and clean.shape[1] % 2 == 0 and clean.shape[2] % 2 == 0  # cropped even
        err = np.abs(clean.astype(int) - bad).mean()
        assert 0.5 < err < 40, (rec["kind"], err)  # degraded, still the same picture


def test_a_still_photo_becomes_a_panning_clip():
    from tempo.models.seedvr.train_data import pan_clip

    ramp = np.add.outer(np.arange(90) * 3, np.arange(120))[..., None].repeat(3, 2) % 256
    image = ramp.astype(np.uint8)
    moved = 0
    for seed in range(8):
        clip = pan_clip(image, 5, (32, 40), np.random.default_rng(seed))
        assert clip.shape[0] == 5 and clip.shape[1] <= 32 and clip.shape[2] <= 40
        moved += int(np.abs(clip[0].astype(int) - clip[-1]).sum() > 0)
    assert moved >= 6  # the camera moves (zero velocity both ways has chance 1/25)


def test_dataset_reads_bundled_photos_as_real_footage():
    from tempo.models.seedvr.train_data import bundled_photos

    photos = bundled_photos()
    if not photos:
        pytest.skip("no package ships photos here")
    ds = SeedVRPairs(photos=photos[:1], clip_len=3, crop=(24, 32), length=3, real_fraction=1.0)
    item = ds[0]
    assert item["inputs"].shape == item["targets"].shape == (3, 3, 24, 32)
    assert not torch.equal(item["inputs"], item["targets"])  # degraded


def test_dataset_draws_weighted_kinds_clean_items_and_real_x264():
    """kind_weights picks the degradation type (one type at weight 1: always it), exact_h264 encodes the crop with
    x264 (unlike the JPEG stand-in), clean_fraction=1 gives the target as the input; unknown types are refused."""
    real = real_footage(["carphone_pristine.mp4"])
    common = dict(videos=real, clip_len=4, crop=(32, 48), length=2, real_fraction=1.0, seed=5)
    exact = SeedVRPairs(kind_weights={"h264": 1}, exact_h264=True, **common)[0]
    proxy = SeedVRPairs(kind_weights={"h264": 1}, **common)[0]
    assert torch.equal(exact["targets"], proxy["targets"])  # same crop, same draw
    assert not torch.equal(exact["inputs"], exact["targets"]) and not torch.equal(exact["inputs"], proxy["inputs"])
    assert 0.002 < (exact["inputs"] - exact["targets"]).abs().mean() < 0.2  # compressed, still the picture
    clean = SeedVRPairs(kind_weights={"gaussian_noise": 1}, clean_fraction=1.0, **common)[0]
    assert torch.equal(clean["inputs"], clean["targets"])
    with pytest.raises(ValueError, match="unknown degradation types"):
        SeedVRPairs(kind_weights={"h265": 1}, **common)


def test_blacken_adds_black_bars_or_black_frames_that_the_degraded_input_keeps():
    """black_fraction: real footage with letterbox / pillarbox bars or a fade's black frames; the target is black
    there and the input is the same content degraded (a clean item: identical)."""
    from tempo.models.seedvr.train_data import blacken

    frames = np.full((5, 24, 32, 3), 128, np.uint8)
    seen = set()
    for seed in range(30):
        out = blacken(frames, np.random.default_rng(seed))
        assert out.shape == frames.shape and (frames == 128).all()  # a copy
        black = (out == 0).all(-1)
        assert black.any() and not black.all()
        rows, cols, whole = black.all((0, 2)), black.all((0, 1)), black.all((1, 2))
        seen.add("rows" if rows.any() else "cols" if cols.any() else "frames" if whole.any() else "?")
    assert seen == {"rows", "cols", "frames"}
    real = real_footage(["carphone_pristine.mp4"])
    item = SeedVRPairs(videos=real, clip_len=4, crop=(32, 48), length=1, real_fraction=1.0, seed=1,
                       black_fraction=1.0, clean_fraction=1.0)[0]
    assert torch.equal(item["inputs"], item["targets"]) and (item["targets"] == -1).all(0).any()


def test_soften_keeps_the_size_and_removes_fine_detail():
    """soft_fraction: real footage made soft (a smaller window interpolated up), the same size, with far less
    pixel-to-pixel change than the original; an item built with soft_fraction=1 is still a valid pair."""
    from tempo.models.seedvr.train_data import soften

    frames = np.random.default_rng(0).integers(0, 256, (3, 40, 48, 3), dtype=np.uint8)
    for seed in range(5):
        out = soften(frames, np.random.default_rng(seed))
        assert out.shape == frames.shape and out.dtype == np.uint8
        detail = np.abs(np.diff(out.astype(float), axis=2)).mean()
        assert detail < 0.6 * np.abs(np.diff(frames.astype(float), axis=2)).mean()
    real = real_footage(["carphone_pristine.mp4"])
    item = SeedVRPairs(videos=real, clip_len=4, crop=(32, 48), length=1, real_fraction=1.0, seed=1,
                       soft_fraction=1.0, clean_fraction=1.0)[0]
    assert item["targets"].shape == (3, 4, 32, 48) and torch.equal(item["inputs"], item["targets"])


def test_soft_items_take_only_soft_kinds(monkeypatch):
    """soft_kinds: a softened item draws its degradation type among these only (blur is left out in training);
    a soft_kinds that kind_weights cannot draw is refused."""
    from tempo.models.seedvr import train_data

    drawn = []
    real_chain = train_data.chain_of_kind
    monkeypatch.setattr(train_data, "chain_of_kind", lambda kind, rng: drawn.append(kind) or real_chain(kind, rng))
    real = real_footage(["carphone_pristine.mp4"])
    ds = SeedVRPairs(videos=real, clip_len=3, crop=(32, 32), length=8, real_fraction=1.0, soft_fraction=1.0,
                     soft_kinds=("jpeg",), kind_weights=dict(blur=5, jpeg=1))
    for i in range(len(ds)):
        ds[i]
    assert drawn == ["jpeg"] * 8
    with pytest.raises(ValueError, match="soft_kinds"):
        SeedVRPairs(videos=real, soft_fraction=1.0, soft_kinds=("jpeg",), kind_weights=dict(blur=1))
