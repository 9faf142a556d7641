"""A tiny TriDet trains through tools/train.py (mmengine Runner): the loss falls, resume works under torch's
weights_only loading, and the exported safetensors checkpoint reloads to the same predictions."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
NUM_CLASSES, DIM, FPS, STRIDE, FRAMES = 3, 16, 10.0, 4, 8


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"tempo_tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_dataset(root: Path, n_train=8, n_val=2, seed=0):
    """Random features with class-specific offsets inside each action (learnable), THUMOS-style JSON."""
    rng = np.random.default_rng(seed)
    (root / "feats").mkdir(parents=True)
    database = {}
    for i in range(n_train + n_val):
        vid = f"vid{i:02d}"
        t = int(rng.integers(40, 64))
        feats = rng.normal(0, 0.3, (t, DIM)).astype(np.float32)
        anns = []
        for _ in range(2):
            a = int(rng.integers(0, t - 12))
            b = a + int(rng.integers(4, 12))
            label = int(rng.integers(0, NUM_CLASSES))
            feats[a:b, label * 4:(label + 1) * 4] += 2.0
            seconds = [(a * STRIDE + FRAMES / 2) / FPS, (b * STRIDE + FRAMES / 2) / FPS]
            anns.append({"segment": seconds, "label": f"c{label}", "label_id": label})
        np.save(root / "feats" / f"{vid}.npy", feats)
        database[vid] = {"subset": "training" if i < n_train else "validation", "fps": FPS,
                         "duration": (t * STRIDE + FRAMES) / FPS, "annotations": anns}
    (root / "ann.json").write_text(json.dumps({"database": database}))


def write_config(root: Path, max_epochs: int):
    base = REPO / "configs" / "tridet" / "synth_effnet.py"
    ds = (f"dict(ann_file='{root}/ann.json', feat_dir='{root}/feats', num_classes={NUM_CLASSES}, "
          f"input_dim={DIM}, max_seq_len=64, feat_stride={STRIDE}, num_frames={FRAMES})")
    text = f"""
_base_ = ['{base}']
model = dict(input_dim={DIM}, num_classes={NUM_CLASSES}, max_seq_len=64, embd_dim=16, fpn_dim=16, head_dim=16,
             sgp_mlp_dim=16, input_noise=0.0, train_cfg=dict(init_loss_norm=8))
train_dataloader = dict(batch_size=2, dataset={ds})
val_dataloader = dict(dataset={ds})
test_dataloader = dict(dataset=dict({ds}, split=['validation']))
val_evaluator = dict(ann_file='{root}/ann.json')
test_evaluator = dict(ann_file='{root}/ann.json', split='validation')
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=4)]
train_cfg = dict(max_epochs={max_epochs}, val_interval={max_epochs})
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2, max_keep_ckpts=3))
randomness = dict(seed=0)
"""
    path = root / "tiny_tridet.py"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("tridet_train")
    make_dataset(root)
    config = write_config(root, max_epochs=6)
    train = _tool("train")
    args = train.parse_args([str(config), "--work-dir", str(root / "work")])
    runner, model_cfg = train.build_runner(args)
    from tempo.training import export_weights, mmengine_checkpoint_globals

    with mmengine_checkpoint_globals():
        runner.train()
    losses = list(runner.message_hub.get_scalar("train/loss")._log_history)
    weights = export_weights(runner, root / "work" / "final.safetensors", model_cfg)
    return root, config, runner, losses, weights


def test_loss_decreases(trained):
    _, _, _, losses, _ = trained
    assert len(losses) == 24  # 8 videos / batch 2 x 6 epochs
    assert np.mean(losses[-4:]) < 0.7 * np.mean(losses[:4])


def test_validation_metric_ran(trained):
    _, _, runner, _, _ = trained
    scalars = runner.message_hub.log_scalars
    assert "val/detection/average_mAP" in scalars and "val/detection/mAP@0.30" in scalars
    assert 0.0 <= scalars["val/detection/average_mAP"].current() <= 1.0


def test_resume_under_weights_only(trained):
    root, config, _, _, _ = trained
    train = _tool("train")
    cfg_path = write_config(root, max_epochs=7)
    args = train.parse_args([str(cfg_path), "--work-dir", str(root / "work"), "--resume"])
    runner, _ = train.build_runner(args)
    from tempo.training import mmengine_checkpoint_globals

    with mmengine_checkpoint_globals():
        runner.train()
    assert runner.iter == 28 and runner.epoch == 7  # resumed at epoch 6, trained one more


def test_exported_weights_reload(trained):
    root, _, runner, _, weights = trained
    from tempo.models.tridet import load_tempo_checkpoint
    from tempo.training import ema_or_model_state

    model = load_tempo_checkpoint(weights)
    state = ema_or_model_state(runner)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key])
    feats = torch.from_numpy(np.load(root / "feats" / "vid09.npy").T.copy())
    dets = model.predict_video({"feats": feats, "fps": FPS, "duration": 30.0, "feat_stride": STRIDE,
                                "feat_num_frames": FRAMES})
    assert dets["segments"].shape[1] == 2 and len(dets["scores"]) > 0


def test_tools_test_evaluates_each_checkpoint_kind(trained, tmp_path):
    root, config, _, _, weights = trained
    test = _tool("test")
    results = []
    for ckpt in (weights, root / "work" / "epoch_6.pth"):
        out = tmp_path / f"{Path(ckpt).stem}.json"
        assert test.main([str(config), str(ckpt), "--work-dir", str(root / "test_work"), "--out", str(out)]) == 0
        metrics = json.loads(out.read_text())
        assert set(metrics) >= {"detection/average_mAP", "detection/mAP@0.30"}
        results.append(metrics["detection/average_mAP"])
    assert results[0] == pytest.approx(results[1])  # both hold the same EMA weights
