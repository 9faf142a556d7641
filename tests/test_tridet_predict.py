"""TriDet inference behaviour beyond the parity fixtures: the one-call API, padding, long inputs, checkpoints."""
import numpy as np
import pytest
import torch

from tempo.errors import InputError
from tempo.models.tridet import TriDet, load_official, load_tempo_checkpoint, save_tempo_checkpoint
from tempo.models.tridet.predict import detect_segments

CFG = dict(type="TriDet", input_dim=8, num_classes=3, max_seq_len=32, embd_dim=32, fpn_dim=32, head_dim=16,
           sgp_mlp_dim=16, max_buffer_len_factor=2.0,
           test_cfg=dict(pre_nms_topk=200, max_seg_num=50, min_score=0.001))


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = TriDet(**{k: v for k, v in CFG.items() if k != "type"}).eval()
    with torch.no_grad():  # make outputs non-trivial: the official init zeroes most SGP branches
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    return m


def test_padding_rule(model):
    assert model.max_div_factor == 32
    assert [model.padded_length(t) for t in (1, 32, 33, 64, 65)] == [32, 32, 64, 64, 96]


def test_detect_segments_returns_sorted_seconds(model):
    feats = np.random.default_rng(0).random((30, 8), dtype=np.float32)
    dets = detect_segments(model, feats, fps=15.0, feat_stride=4, num_frames=16, label_names=["a", "b", "c"],
                           video="v.mp4")
    assert dets and all(d["video"] == "v.mp4" and d["label"] in "abc" for d in dets)
    duration = (29 * 4 + 16) / 15.0
    assert all(0.0 <= d["start"] <= d["end"] <= duration for d in dets)
    assert all(not np.signbit(d["start"]) for d in dets)
    scores = [d["score"] for d in dets]
    assert scores == sorted(scores, reverse=True) and len(dets) <= 50


def test_inputs_longer_than_point_buffer(model):
    # buffer = 32 * 2.0 = 64 positions; the official code refuses longer inputs, tempo extends the points
    feats = np.random.default_rng(1).random((150, 8), dtype=np.float32)
    dets = detect_segments(model, feats, fps=10.0, feat_stride=2, num_frames=4)
    assert dets and max(d["end"] for d in dets) <= (149 * 2 + 4) / 10.0


def test_bad_features_rejected(model):
    with pytest.raises(ValueError):
        detect_segments(model, np.zeros((0, 8), np.float32), fps=15.0, feat_stride=4, num_frames=16)


def test_tempo_checkpoint_round_trip(model, tmp_path):
    path = save_tempo_checkpoint(model, tmp_path / "tridet.safetensors", CFG)
    assert (tmp_path / "tridet.json").is_file()
    again = load_tempo_checkpoint(path)
    feats = np.random.default_rng(2).random((20, 8), dtype=np.float32)
    a = detect_segments(model, feats, 15.0, 4, 16)
    b = detect_segments(again, feats, 15.0, 4, 16)
    assert a == b


def test_official_checkpoint_prefers_ema_and_strips_module(model, tmp_path):
    state = {f"module.{k}": v for k, v in model.state_dict().items()}
    raw = {k: v + 1 for k, v in state.items()}
    torch.save({"epoch": 3, "state_dict": raw, "state_dict_ema": state}, tmp_path / "ckpt.pth.tar")
    fresh = TriDet(**{k: v for k, v in CFG.items() if k != "type"})
    load_official(fresh, tmp_path / "ckpt.pth.tar")
    for k, v in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[k], v)
    wrong = TriDet(**{**{k: v for k, v in CFG.items() if k != "type"}, "num_classes": 4})
    with pytest.raises(InputError, match="does not match"):
        load_official(wrong, tmp_path / "ckpt.pth.tar")
    (tmp_path / "junk.pth.tar").write_bytes(b"not a checkpoint")
    with pytest.raises(InputError):
        load_official(fresh, tmp_path / "junk.pth.tar")


def test_input_scale_folds_exactly_into_the_first_convolution(model, tmp_path):
    """A model trained on x / scale, with the scale folded into its first conv, gives the same outputs on raw x
    (padding included: zero stays zero), and channel_scale is the per-channel RMS."""
    from tempo.models.tridet.input_scale import channel_scale, fold_input_scale

    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 8)).astype(np.float32) * np.geomspace(0.01, 10, 8).astype(np.float32)
    np.save(tmp_path / "a.npy", x)
    scale = channel_scale([tmp_path / "a.npy"], eps=0.0)
    np.testing.assert_allclose(scale, np.sqrt((x.astype(np.float64) ** 2).mean(0)), rtol=1e-6)
    folded = TriDet(**{k: v for k, v in CFG.items() if k != "type"}).eval()
    folded.load_state_dict(fold_input_scale(model.state_dict(), scale))
    mask = torch.ones(1, 1, 32, dtype=torch.bool)
    mask[..., 20:] = False
    raw = torch.zeros(1, 8, 32)
    raw[0, :, :20] = torch.from_numpy(x.T)
    with torch.no_grad():
        want = model.forward_heads(raw / torch.from_numpy(scale).view(1, -1, 1), mask)
        got = folded.forward_heads(raw, mask)
    for key in ("cls_logits", "start_logits", "reg_offsets"):
        for a, b in zip(want[key], got[key]):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError):
        fold_input_scale(model.state_dict(), scale[:4])
