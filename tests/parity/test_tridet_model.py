"""TriDet network parity against the official implementation's outputs (fixture README §5, §6)."""
import pytest
import torch

from test_tridet_common import build_model, close, load


@pytest.fixture(scope="module")
def run(parity_dir):
    d = parity_dir("tridet")
    model = build_model(d).eval()
    inputs, outputs = load(d / "inputs.pt"), load(d / "outputs.pt")
    assert outputs["checkpoint_entry"] == "state_dict_ema"
    results = []
    with torch.no_grad():
        for video, ref in zip(inputs["videos"], outputs["videos"]):
            x, mask = model.pad_batch([video["feats"]], training=False)
            out = model.forward_heads(x, mask)
            out["decoded"] = [dec[0].transpose(0, 1) for dec in model.decoded_offsets(out)]
            out["candidates"] = model.video_candidates(out)
            results.append((video, ref, x, mask, out))
    return model, results


def test_official_padding_and_masks(run):
    _, results = run
    for video, ref, x, mask, out in results:
        assert x.shape[-1] == ref["padded_len"]
        assert torch.equal(x, ref["padded_input"]) and torch.equal(mask, ref["input_mask"])
        for ours, theirs in zip(out["fpn_masks"], ref["fpn_masks"]):
            assert torch.equal(ours, theirs)
        for ours, theirs in zip(out["backbone_masks"], ref["backbone_masks"]):
            assert torch.equal(ours, theirs)


def test_points_exact(run):
    _, results = run
    for _, ref, _, _, out in results:
        assert len(out["points"]) == len(ref["points"])
        for ours, theirs in zip(out["points"], ref["points"]):
            assert torch.equal(ours, theirs)


def test_features_match(run):
    _, results = run
    for _, ref, _, _, out in results:
        for key in ("backbone_feats", "fpn_feats"):
            for ours, theirs in zip(out[key], ref[key]):
                assert ours.shape == theirs.shape and close(ours, theirs, 1e-4), key


@pytest.mark.parametrize("key", ["cls_logits", "reg_offsets", "start_logits", "end_logits"])
def test_head_outputs_within_1e5(run, key):
    _, results = run
    for video, ref, _, _, out in results:
        for ours, theirs in zip(out[key], ref[key]):
            assert ours.shape == theirs.shape
            assert close(ours, theirs, 1e-5), (video["video_id"], key, (ours - theirs).abs().max())
            # heads end with a masked conv: exactly zero at padded positions
            assert torch.all(ours[..., video["feats"].shape[-1]:] == 0) or ours.shape[-1] < theirs.shape[-1]


def test_trident_decoded_offsets(run):
    _, results = run
    for _, ref, _, _, out in results:
        for ours, theirs in zip(out["decoded"], ref["decoded_offsets"]):
            assert ours.shape == theirs.shape and close(ours, theirs, 1e-5)


def test_pre_nms_candidates(run):
    """Same candidate set (order-insensitive within a label: near-ties may swap)."""
    from test_tridet_common import match_within_label

    _, results = run
    for video, ref, _, _, out in results:
        ours, theirs = out["candidates"], ref["pre_nms"]
        assert len(ours["scores"]) == len(theirs["scores"])
        assert match_within_label(ours, theirs, seg_tol=1e-3, score_tol=1e-5) == 0, video["video_id"]
