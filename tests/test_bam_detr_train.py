"""A tiny BAM-DETR trains through mmengine's Runner (as tools/train.py builds it) on random features, the loss
goes down, and tempo's safetensors checkpoint round-trips."""
import json

import numpy as np
import pytest
import torch
from mmengine.config import Config

from tempo.models.bam_detr import load_tempo_checkpoint, save_tempo_checkpoint
from tempo.training import export_weights, runner_from_cfg

V_DIM, T_DIM, N_CLIPS = 12, 8, 16


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny matrices: one thread avoids OpenMP thrashing on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def make_data(root, n=4, sentence=False):
    rng = np.random.default_rng(0)
    (root / "video").mkdir()
    (root / "text").mkdir()
    with open(root / "train.jsonl", "w") as f:
        for q in range(n):
            vid = f"v{q}"
            np.save(root / "video" / f"{vid}.npy", rng.normal(size=(N_CLIPS, V_DIM)).astype(np.float32))
            key = "pooler_output" if sentence else "last_hidden_state"
            text = rng.normal(size=(T_DIM,) if sentence else (5, T_DIM)).astype(np.float32)
            np.savez(root / "text" / f"qid{q}.npz", **{key: text})
            st = 2 * int(rng.integers(0, N_CLIPS // 2))
            f.write(json.dumps({"qid": q, "query": f"q{q}", "vid": vid, "duration": N_CLIPS * 2,
                                "relevant_windows": [[st, st + 8]],
                                "relevant_clip_ids": list(range(st // 2, st // 2 + 4)),
                                "saliency_scores": [[2, 3, 4]] * 4}) + "\n")


def tiny_cfg(root, iters=12, sentence=False):
    base = Config.fromfile("configs/bam_detr/synth_effnet_minilm.py")
    ds = dict(type="GroundingFeatureDataset", ann_file=str(root / "train.jsonl"), v_feat_dirs=[str(root / "video")],
              t_feat_dir=str(root / "text"), q_feat_type="pooler_output" if sentence else "last_hidden_state",
              max_q_l=8, max_v_l=N_CLIPS, clip_len=2.0, seed=0)
    cfg = dict(
        model=dict(base.model, model=dict(base.model.model, v_feat_dim=V_DIM + 2, t_feat_dim=T_DIM, enc_layers=1,
                                          dim_feedforward=32, num_queries=4, dropout=0.0, input_dropout=0.0)),
        work_dir=str(root / "work"),
        train_dataloader=dict(batch_size=4, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=False),
                              collate_fn=dict(type="grounding_collate"), dataset=ds),
        # one batch per epoch (the iter loop sleeps 2 s per epoch)
        train_cfg=dict(type="EpochBasedTrainLoop", max_epochs=iters, val_interval=10 ** 6),
        optim_wrapper=dict(optimizer=dict(type="AdamW", lr=3e-4, weight_decay=1e-4), clip_grad=dict(max_norm=0.1)),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=1),
                           checkpoint=dict(type="CheckpointHook", interval=1000, save_last=False)),
        custom_hooks=[dict(type="TempoSafeCheckpointHook")],
        val_dataloader=dict(batch_size=2, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=False),
                            collate_fn=dict(type="grounding_collate"), dataset=ds),
        val_cfg=dict(type="ValLoop"),
        val_evaluator=dict(type="TempoGroundingMetric", ann_file=str(root / "train.jsonl"), variant="bam"),
        randomness=dict(seed=0), log_level="WARNING",
        custom_imports=base.custom_imports,
    )
    return Config(cfg)


def test_runner_trains_and_loss_decreases(tmp_path):
    torch.manual_seed(0)
    make_data(tmp_path)
    cfg = tiny_cfg(tmp_path)
    runner = runner_from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar("train/loss").data[0]
    assert len(losses) == 12
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    metrics = runner.val()  # predict mode + the mmengine metric over the official evaluation
    assert {"grounding/MR-full-R1@0.5", "grounding/MR-full-mAP", "grounding/MR-full-mIoU"} <= set(metrics)
    assert all(0 <= v <= 100 for v in metrics.values())

    model = runner.model
    path = save_tempo_checkpoint(model, tmp_path / "final.safetensors", cfg.model.to_dict())
    loaded = load_tempo_checkpoint(path)
    # tools/train.py's generic export (safetensors refuses aliased tensors: the wrapper's state dict has none)
    exported = load_tempo_checkpoint(export_weights(runner, tmp_path / "export.safetensors", cfg.model.to_dict()))
    assert all(torch.equal(v, exported.state_dict()[k]) for k, v in loaded.state_dict().items())
    batch = runner.train_dataloader.collate_fn([runner.train_dataloader.dataset[0]])
    model.eval()
    a = model(**batch, mode="tensor")
    b = loaded(**batch, mode="tensor")
    assert torch.equal(a["pred_spans"], b["pred_spans"])
    preds = loaded(**batch, mode="predict")
    assert preds[0]["qid"] == 0 and len(preds[0]["pred_relevant_windows"]) == 4


def test_sentence_level_text_is_a_one_token_query(tmp_path):
    make_data(tmp_path, sentence=True)
    runner = runner_from_cfg(tiny_cfg(tmp_path, iters=1, sentence=True))
    item = runner.train_dataloader.dataset[0]
    assert item["src_txt"].shape == (1, T_DIM)
    assert item["src_vid"].shape == (N_CLIPS, V_DIM + 2)
    runner.train()


def test_clip_labels_rederived_at_the_feature_clip_length(tmp_path):
    """Annotations carry 2-s clip labels; features at 0.5-s clips get labels from the windows at 0.5 s."""
    from tempo.data.clip_saliency import clip_saliency
    from tempo.data.grounding_dataset import GroundingFeatureDataset

    assert clip_saliency([[1.0, 1.5]], 4.0, 0.5) == ([2], [[4, 4, 4]])
    assert clip_saliency([[0.9, 1.2]], 4.0, 0.5) == ([1, 2], [[1, 1, 1], [2, 2, 2]])  # 0.1 / 0.2 of a clip
    (tmp_path / "video").mkdir()
    (tmp_path / "text").mkdir()
    np.save(tmp_path / "video" / "v.npy", np.ones((8, 3), np.float32))
    np.savez(tmp_path / "text" / "qid0.npz", last_hidden_state=np.ones((2, 4), np.float32))
    row = {"qid": 0, "query": "q", "vid": "v", "duration": 4.0, "relevant_windows": [[1.0, 2.0]],
           "relevant_clip_ids": [0], "saliency_scores": [[2, 2, 2]]}  # the 2-s clip 0
    (tmp_path / "a.jsonl").write_text(json.dumps(row) + "\n")
    kw = dict(ann_file=tmp_path / "a.jsonl", v_feat_dirs=tmp_path / "video", t_feat_dir=tmp_path / "text",
              clip_len=0.5, seed=0)
    stored = GroundingFeatureDataset(**kw)[0]["saliency_all_labels"]
    derived = GroundingFeatureDataset(**kw, saliency_from_windows=True)[0]["saliency_all_labels"]
    assert np.flatnonzero(np.asarray(stored)).tolist() == [0]
    assert np.flatnonzero(np.asarray(derived)).tolist() == [2, 3]
