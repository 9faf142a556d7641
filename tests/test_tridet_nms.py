"""NMS behaviour not covered by the parity fixtures (hard NMS, empty inputs) and the loss on videos without
actions."""
import torch

from tempo.models.tridet import TriDet
from tempo.models.tridet.nms import batched_nms, hard_nms, soft_nms


def _iou(a, b):
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / ((a[1] - a[0] + 1e-6) + (b[1] - b[0] + 1e-6) - inter)


def test_hard_nms_is_greedy_suppression():
    g = torch.Generator().manual_seed(0)
    start = torch.rand(200, generator=g) * 100
    segs = torch.stack([start, start + 1 + torch.rand(200, generator=g) * 20], 1)
    scores = torch.rand(200, generator=g)
    keep = hard_nms(segs, scores, 0.4).tolist()
    assert scores[keep].tolist() == sorted(scores[keep].tolist(), reverse=True)
    kept = set(keep)
    for i in range(200):
        overlaps = [k for k in keep if scores[k] > scores[i] and _iou(segs[k].tolist(), segs[i].tolist()) >= 0.4]
        assert (i in kept) == (not overlaps)


def test_batched_hard_nms_filters_low_scores_and_caps():
    segs = torch.tensor([[0.0, 10.0], [0.5, 10.0], [20.0, 30.0], [40.0, 50.0]])
    scores = torch.tensor([0.9, 0.8, 0.0005, 0.7])
    labels = torch.tensor([0, 0, 1, 1])
    s, sc, lab = batched_nms(segs, scores, labels, 0.5, 0.001, 2, use_soft_nms=False, multiclass=True)
    assert sc.tolist() == [scores[0].item(), scores[3].item()] and lab.tolist() == [0, 1]


def test_empty_inputs():
    empty = torch.zeros(0, 2)
    s, sc, lab = batched_nms(empty, torch.zeros(0), torch.zeros(0, dtype=torch.long), 0.1, 0.001, 100)
    assert s.shape == (0, 2) and sc.shape == (0,) and lab.dtype == torch.long
    inds, dets = soft_nms(empty, torch.zeros(0))
    assert inds.numel() == 0 and dets.shape == (0, 3)


def test_soft_nms_keeps_top_even_below_min_score_and_decays_overlaps():
    segs = torch.tensor([[0.0, 10.0], [0.0, 10.0], [50.0, 60.0]])
    inds, dets = soft_nms(segs[:2], torch.tensor([0.0004, 0.0005]), min_score=0.001)
    assert inds.tolist() == [1]  # the pick itself is never checked against min_score; the rest are dropped
    inds, dets = soft_nms(segs, torch.tensor([0.9, 0.8, 0.5]), sigma=0.5, min_score=0.001)
    assert inds.tolist() == [0, 2, 1] and dets[2, 2] < 0.8 * 0.14


def test_loss_without_any_action():
    torch.manual_seed(0)
    model = TriDet(input_dim=8, num_classes=3, max_seq_len=32, embd_dim=32, fpn_dim=32, head_dim=16,
                   sgp_mlp_dim=16, train_cfg=dict(init_loss_norm=10)).train()
    videos = [{"feats": torch.rand(8, 20), "segments": torch.zeros(0, 2), "labels": torch.zeros(0, dtype=torch.long)}]
    losses = model.loss(videos)
    assert losses["reg_loss"].item() == 0.0 and torch.isfinite(losses["final_loss"])
    assert model.loss_normalizer == 0.9 * 10 + 0.1 * 1
    losses["final_loss"].backward()
