"""TriDet label assignment, losses and gradients against the official train step (fixture README §7)."""
import pytest
import torch

from test_tridet_common import build_model, close, load


@pytest.fixture(scope="module")
def step(parity_dir):
    d = parity_dir("tridet")
    ref = load(d / "train_step.pt")
    model = build_model(d, ref["checkpoint_entry"])
    # the fixture disabled input noise and drop-path randomness (the affine scales still apply)
    model.input_noise = 0.0
    for module in model.modules():
        if hasattr(module, "drop_prob"):
            module.drop_prob = 0.0
    model.train()
    assert model.loss_normalizer == ref["loss_normalizer_init"]
    videos = ref["videos"]
    x, mask = model.pad_batch([v["feats"] for v in videos], training=True)
    out = model.forward_heads(x, mask)
    gt_cls, gt_offsets = model.assign(out["points"], [v["segments"] for v in videos], [v["labels"] for v in videos])
    losses = model.losses(out, gt_cls, gt_offsets)
    losses["final_loss"].backward()
    return model, ref, x, mask, out, gt_cls, gt_offsets, losses


def test_training_batch_padding(step):
    _, ref, x, mask, out, *_ = step
    assert torch.equal(x, ref["padded_input"]) and torch.equal(mask, ref["input_mask"])
    assert torch.equal(torch.cat(out["points"]), ref["points"])
    assert [len(p) for p in out["points"]] == ref["points_per_level"]
    assert torch.equal(torch.cat([m.squeeze(1) for m in out["fpn_masks"]], 1), ref["valid_mask"])


def test_label_assignment(step):
    _, ref, _, _, _, gt_cls, gt_offsets, _ = step
    assert torch.equal(gt_cls, ref["gt_cls"])
    assert close(gt_offsets, ref["gt_offsets"], 1e-6)
    valid = ref["valid_mask"]
    assert int(((gt_cls.sum(-1) > 0) & valid).sum()) == ref["num_pos"]


def test_train_mode_heads(step):
    _, ref, _, _, out, *_ = step
    for key in ("cls_logits", "start_logits", "end_logits", "reg_offsets"):
        for ours, theirs in zip(out[key], ref[key]):
            assert close(ours, theirs, 1e-5), key


def test_losses_and_normaliser(step):
    model, ref, *_, losses = step
    for key in ("cls_loss", "reg_loss", "final_loss"):
        assert abs(losses[key].item() - ref[key].item()) <= 1e-5 * abs(ref[key].item()), key
    assert model.loss_normalizer == pytest.approx(ref["loss_normalizer_after"], rel=1e-12)


def test_gradients(step):
    model, ref, *_ = step
    names = {n for n, p in model.named_parameters() if p.grad is not None}
    assert names == set(ref["grads"]) and not ref["params_without_grad"]
    for name, param in model.named_parameters():
        assert close(param.grad, ref["grads"][name], 1e-5), name
