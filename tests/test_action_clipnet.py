"""ActionClipNet: window targets, label-aware augmentation, a tiny mmengine training run on `tempo synth` data,
and the exported weights as a feature backbone (same clips as in training, the detect layout's window count)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from tempo.data.synth import ACTION_NAMES
from tempo.errors import InputError
from tempo.models.action_clipnet import (ActionClipNetTrainer, ActionClipWindowDataset, ClipAugmentation,
                                         load_action_clipnet, save_action_clipnet, window_map, window_targets)
from tempo.models.action_clipnet import dataset as dataset_module
from tempo.models.action_clipnet.targets import num_windows

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "configs" / "action_clipnet" / "synth.py"
TINY_WIDTHS = (4, 4, 8, 8)
C = len(ACTION_NAMES)
L, R, CW, CCW, BLINK = (ACTION_NAMES.index(n) for n in ("move_left", "move_right", "rotate_cw", "rotate_ccw", "blink"))


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"tempo_tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------------ targets
def test_window_targets_on_a_hand_made_annotation():
    # 40 frames at 10 fps, windows of 16 every 4 -> 7 windows, window i = frames [4i, 4i + 16), middle [4i+4, 4i+12)
    y = window_targets([[1.0, 2.0], [3.5, 10.0]], [1, 0], fps=10, num_frames=40, num_classes=3)
    assert y.shape == (7, 9)
    active, start, end = y[:, :3], y[:, 3:6], y[:, 6:]
    # class 1 runs over frames 10..19: starts at 10, ends at 20 (the first frame without it)
    np.testing.assert_allclose(active[:, 1], [6 / 16, 10 / 16, 10 / 16, 8 / 16, 4 / 16, 0, 0])
    np.testing.assert_array_equal(start[:, 1], [1, 1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(end[:, 1], [0, 0, 0, 1, 1, 0, 0])
    # class 0 starts at frame 35 and runs past the video's end: no end target anywhere
    np.testing.assert_allclose(active[:, 0], [0, 0, 0, 0, 0, 1 / 16, 5 / 16])
    np.testing.assert_array_equal(start[:, 0], [0, 0, 0, 0, 0, 0, 1])
    assert not end[:, 0].any() and not y[:, [2, 5, 8]].any()


@pytest.mark.parametrize("n", [5, 16, 17, 20, 119])
def test_one_target_row_per_detect_feature(n):
    from tempo.features.windows import detect_windows

    assert num_windows(n) == len(detect_windows(n, 10.0, 16, 4)) == len(window_targets([], [], 10, n, 3))


# ------------------------------------------------------------------------------------------- augmentation
def _config_augmentation(**overrides):
    cfg = Config.fromfile(str(CONFIG))
    assert cfg.class_names == ACTION_NAMES
    kwargs = {k: v for k, v in cfg.augment.items() if k.endswith("_pairs")}
    plain = dict(permute_colours=False, gain=(1.0, 1.0), offset=(0.0, 0.0), crop_size=None)
    return ClipAugmentation(cfg.class_names, **kwargs, **{**plain, **overrides})


def _hand_made():
    clip = torch.arange(3 * 4 * 5 * 6, dtype=torch.float32).reshape(3, 4, 5, 6)
    y = np.zeros(3 * C, np.float32)
    y[L], y[C + CW], y[2 * C + BLINK] = 0.7, 1.0, 1.0  # moving left, starts turning clockwise, stops blinking
    return clip, y


def test_horizontal_flip_swaps_left_right_and_turn_direction():
    clip, y = _hand_made()
    out, z = _config_augmentation(hflip_prob=1.0, reverse_prob=0.0)(clip, y, np.random.default_rng(0))
    torch.testing.assert_close(out, clip.flip(-1))
    expected = np.zeros_like(y)
    expected[R], expected[C + CCW], expected[2 * C + BLINK] = 0.7, 1.0, 1.0
    np.testing.assert_array_equal(z, expected)


def test_time_reversal_swaps_opposites_and_start_with_end():
    clip, y = _hand_made()
    out, z = _config_augmentation(hflip_prob=0.0, reverse_prob=1.0)(clip, y, np.random.default_rng(0))
    torch.testing.assert_close(out, clip.flip(1))
    expected = np.zeros_like(y)
    # played backwards: moving right, a clockwise turn that started now ends counter-clockwise, blink starts
    expected[R], expected[2 * C + CCW], expected[C + BLINK] = 0.7, 1.0, 1.0
    np.testing.assert_array_equal(z, expected)
    # both at once: the turn direction swaps twice, left/right twice
    _, both = _config_augmentation(hflip_prob=1.0, reverse_prob=1.0)(clip, y, np.random.default_rng(0))
    expected = np.zeros_like(y)
    expected[L], expected[2 * C + CW], expected[C + BLINK] = 0.7, 1.0, 1.0
    np.testing.assert_array_equal(both, expected)


def test_full_augmentation_is_seeded_and_crops():
    clip, y = _hand_made()
    clip = torch.rand(3, 8, 64, 64) * 2 - 1
    aug = _config_augmentation(permute_colours=True, gain=(0.7, 1.3), offset=(-0.2, 0.2), crop_size=56)
    a, ya = aug(clip, y, np.random.default_rng(5))
    b, yb = aug(clip, y, np.random.default_rng(5))
    assert a.shape == (3, 8, 56, 56)
    torch.testing.assert_close(a, b)
    np.testing.assert_array_equal(ya, yb)
    with pytest.raises(ValueError, match="unknown classes"):
        ClipAugmentation(ACTION_NAMES, hflip_pairs=[("move_left", "moonwalk")])


def test_window_map_matches_sklearn_average_precision():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    targets = np.concatenate([rng.random((50, 2)), rng.random((50, 4)) > 0.7], axis=1).astype(np.float32)
    probs = rng.random((50, 6)).astype(np.float32)
    res = window_map(probs, targets, num_classes=2)
    active = np.mean([sklearn_metrics.average_precision_score(targets[:, c] > 0.5, probs[:, c]) for c in range(2)])
    assert res["active_mAP"] == pytest.approx(active)
    assert set(res) == {"active_mAP", "start_mAP", "end_mAP"}


# --------------------------------------------------------------------------------- training and features
@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from tempo.data.synth import generate

    root = tmp_path_factory.mktemp("acn") / "synth_tiny"
    (ann,) = generate("detect", "tiny", seed=0, out_dir=root, workers=1)
    return root, ann


def _tiny_config(tmp: Path, ann: Path) -> Path:
    text = f"""
_base_ = ['{CONFIG}']
train_ann_files = ['{ann}']
val_ann_files = ['{ann}']
cache_dir = '{tmp / "frames"}'
model = dict(widths={TINY_WIDTHS})
train_dataloader = dict(batch_size=8, dataset=dict(ann_files=train_ann_files, cache_dir=cache_dir, window_step=3))
val_dataloader = dict(dataset=dict(ann_files=val_ann_files, cache_dir=cache_dir, window_step=3))
test_dataloader = dict(dataset=dict(ann_files=val_ann_files, cache_dir=cache_dir))
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)]
default_hooks = dict(logger=dict(interval=1))
"""
    path = tmp / "tiny_clipnet.py"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def trained(synth, tmp_path_factory):
    torch.set_num_threads(1)
    _, ann = synth
    tmp = tmp_path_factory.mktemp("acn_train")
    train = _tool("train")
    args = train.parse_args([str(_tiny_config(tmp, ann)), "--work-dir", str(tmp / "work")])
    runner, model_cfg = train.build_runner(args)
    from tempo.training import export_weights, mmengine_checkpoint_globals

    losses = []
    from mmengine.hooks import Hook

    class Record(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            losses.append(float(outputs["loss"].detach()))

    runner.register_hook(Record())
    with mmengine_checkpoint_globals():
        runner.train()
    weights = export_weights(runner, tmp / "work" / "final.safetensors", model_cfg)
    return runner, weights, losses, tmp, args.config


def test_tiny_training_run_logs_losses_and_validates(trained):
    runner, weights, losses, tmp, config = trained
    assert 2 <= len(losses) <= 5 and all(np.isfinite(losses))
    assert runner.train_loop.iter == len(losses)
    metrics = runner.message_hub.get_scalar("val/clipnet/active_mAP")
    assert 0.0 <= metrics.current() <= 1.0
    assert weights.is_file() and weights.with_suffix(".json").is_file()
    # the run's mmengine checkpoint (weights_only load) exports to the same weights as tools/train.py's final ones
    from tempo.models.action_clipnet.export import export_from_mmengine

    again = export_from_mmengine(config, tmp / "work" / "epoch_1.pth", tmp / "from_pth.safetensors")
    final, exported = load_action_clipnet(weights).state_dict(), load_action_clipnet(again).state_dict()
    assert final.keys() == exported.keys() and all(torch.equal(final[k], exported[k]) for k in final)


def test_dataset_reuses_its_frame_cache(synth, trained, monkeypatch):
    _, ann = synth
    tmp = trained[3]

    def no_decoding(*args):
        raise AssertionError("the cached frames should have been used")

    monkeypatch.setattr(dataset_module, "decode_frames", no_decoding)
    ds = ActionClipWindowDataset([ann], "validation", cache_dir=tmp / "frames", window_step=1)
    item = ds[0]
    assert item["inputs"].shape == (3, 8, 64, 64) and item["targets"].shape == (3 * C,)
    assert len(ds) == sum(len(t) for t in ds.targets)


def test_exported_weights_are_a_feature_backbone(synth, trained, tmp_path):
    from tempo.features import build_backbone, extract_features
    from tempo.registry import BACKBONES

    root, ann = synth
    _, weights, _, tmp, _ = trained
    video = root / "videos" / "synth_val_0000.mp4"
    cfg = {"type": "ActionClipNet", "checkpoint": str(weights)}
    feats, meta = extract_features(video, cfg, layout="detect", fps=15, num_frames=16, stride=4, use_cache=False)
    dim = 2 * TINY_WIDTHS[-1]
    assert feats.shape == ((meta["n_frames"] - 16) // 4 + 1, dim) and feats.dtype == np.float32

    # at the native rate the backbone sees exactly the training clips: features = the network's embeddings
    native, _ = extract_features(video, cfg, layout="detect", num_frames=16, stride=4, use_cache=False)
    ds = ActionClipWindowDataset([ann], "validation", cache_dir=tmp / "frames")
    network = load_action_clipnet(weights).network
    with torch.no_grad():
        expected = network.embed(torch.stack([ds[i]["inputs"] for i in range(len(ds))])).numpy()
    np.testing.assert_allclose(native, expected, rtol=1e-4, atol=1e-5)

    # the cache key follows the weights; a bare network exports with its class names
    again = tmp_path / "again.safetensors"
    save_action_clipnet(network, again, class_names=ACTION_NAMES)
    same = BACKBONES.build(dict(cfg, checkpoint=str(again)))
    assert same.feature_dim == dim and same.num_frames == 8 and same.input_size == 64
    trainer = load_action_clipnet(again)
    assert isinstance(trainer, ActionClipNetTrainer) and trainer.class_names == ACTION_NAMES
    torch.nn.init.normal_(trainer.network.head[1].weight)
    trainer.network.body[0][0].weight.data.add_(1.0)
    changed = tmp_path / "changed.safetensors"
    save_action_clipnet(trainer, changed)
    assert BACKBONES.build(dict(cfg, checkpoint=str(changed))).weights_id() != same.weights_id()
    assert build_backbone(cfg).weights_id() != same.weights_id()  # other file, other id


def test_missing_weights_name_the_file(tmp_path, monkeypatch):
    from tempo.features import action_clipnet
    from tempo.registry import BACKBONES

    missing = tmp_path / "action_clipnet_synth.safetensors"
    monkeypatch.setattr(action_clipnet, "BUNDLED_WEIGHTS", missing)
    with pytest.raises(InputError, match="action_clipnet_synth.safetensors"):
        BACKBONES.build(dict(type="ActionClipNet"))
    with pytest.raises(InputError, match="nowhere.safetensors"):
        BACKBONES.build(dict(type="ActionClipNet", checkpoint=str(tmp_path / "nowhere.safetensors")))
