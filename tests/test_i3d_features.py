"""Two-stream I3D features (RGB + optical flow) from raw video, and `tempo detect` with an official TriDet
checkpoint reading them: tiny random-weight mmaction2-format I3D files written here, the TriDet parity fixture's
official checkpoint + merged config, real encoded video. Flow is DIS here (TV-L1 costs ~0.4 s a pair on this CPU)
except in the one test that checks TV-L1's uint8 convention."""
import json

import numpy as np
import pytest
import torch

from i3d_tiny import write_tiny_i3d
from media import make_video
from tempo.cli import main
from tempo.errors import InputError, UsageError
from tempo.features import extract_features
from tempo.features.flow import FlowComputer, flow_method_available, quantise
from tempo.features.i3d import FLOW_CONFIG, RGB_CONFIG, I3DTwoStream


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_i3d(tmp_path_factory.mktemp("i3d"), out_dim=24)


def spec(tiny, **kw):
    return {"type": "I3DTwoStream", "rgb_checkpoint": str(tiny["rgb_checkpoint"]),
            "flow_checkpoint": str(tiny["flow_checkpoint"]), "rgb_config": str(tiny["rgb_config"]),
            "flow_config": str(tiny["flow_config"]), "flow_method": "dis", **kw}


def test_rows_follow_the_16_frame_stride_4_windows(tmp_path, tiny, own_cache, one_torch_thread):
    # 45 frames at 30 fps: floor((45 - 16) / 4) + 1 = 8 windows; feature i covers frames [4i, 4i + 16)
    video = make_video(tmp_path / "v.mp4", n=45, width=64, height=48, fps=30)
    feats, meta = extract_features(video, spec(tiny), layout="detect", fps=30.0, num_frames=16, stride=4)
    assert feats.shape == (8, 48) and np.isfinite(feats).all()
    assert meta["spans"][1].tolist() == pytest.approx([4 / 30, 20 / 30])
    assert meta["size"] == 36  # the config's Resize (-1, 36), then its 32 px centre crop
    rgb, flow = feats[:, :24], feats[:, 24:]
    assert np.ptp(rgb, axis=0).max() > 0 and np.ptp(flow, axis=0).max() > 0  # both streams see the motion


def test_real_config_is_two_i3d_r50_streams():
    # tempo's default pair: mmaction2 I3D-R50 (2048-d each); RGB 3 input channels, flow 2, 16-frame clips, 224 crop
    b = I3DTwoStream(allow_random_init=True)
    assert (b.feature_dim, b.num_frames, b.input_size, b.resize_size) == (4096, 16, 224, 256)
    assert b.rgb.cfg.model.backbone.in_channels == 3 and b.flow_net.cfg.model.backbone.in_channels == 2
    assert b.flow_net.mean == (128.0, 128.0)
    assert RGB_CONFIG.is_file() and FLOW_CONFIG.is_file()


@pytest.mark.skipif(not flow_method_available("tvl1"), reason="opencv-contrib (cv2.optflow) not installed")
def test_tvl1_flow_is_clipped_and_stored_as_uint8():
    a = np.zeros((24, 24, 3), np.uint8)
    a[8:16, 6:14] = 255
    b = np.roll(a, 2, axis=1)  # the square moves 2 px right
    f = FlowComputer("tvl1").pair(a, b)
    assert f.dtype == np.uint8 and f.shape == (24, 24, 2)
    assert f[11, 10, 0] > 128 + 6  # +x motion above the zero level (128 = 0 px)
    assert quantise(np.array([[[-50.0, 50.0]]])).tolist() == [[[0, 255]]]
    assert quantise(np.zeros((1, 1, 2))).tolist() == [[[128, 128]]]


def test_missing_i3d_files_are_one_line(tiny):
    with pytest.raises(UsageError, match="--i3d-flow"):
        I3DTwoStream(rgb_checkpoint=str(tiny["rgb_checkpoint"]))
    with pytest.raises(InputError, match="not found"):
        I3DTwoStream("nope.pth", str(tiny["flow_checkpoint"]))


def test_flow_checkpoint_as_rgb_is_one_line(tiny):
    b = I3DTwoStream(str(tiny["flow_checkpoint"]), str(tiny["flow_checkpoint"]), str(tiny["rgb_config"]),
                     str(tiny["flow_config"]), flow_method="dis")
    with pytest.raises(InputError, match=r"reads 2 input channels \(an optical-flow network\) but the config "
                                         r"expects 3 \(an RGB network\)"):
        b.check_files()


@pytest.fixture
def fixture_detector(parity_dir):
    root = parity_dir("tridet")
    return root / "checkpoint.pth.tar", root / "config.json", json.loads((root / "config.json").read_text())


def test_detect_from_raw_video_with_official_tridet(tmp_path, tiny, fixture_detector, own_cache, capsys,
                                                   one_torch_thread):
    ckpt, config, cfg = fixture_detector
    dim = cfg["dataset"]["input_dim"]
    i3d = write_tiny_i3d(tmp_path / "i3d", out_dim=dim // 2)
    video = make_video(tmp_path / "clip.mp4", n=60, width=64, height=48, fps=30)
    out = tmp_path / "out"
    code = main(["detect", str(video), "--checkpoint", str(ckpt), "--config", str(config), "-o", str(out),
                 "--i3d-rgb", str(i3d["rgb_checkpoint"]), "--i3d-flow", str(i3d["flow_checkpoint"]),
                 "--i3d-rgb-config", str(i3d["rgb_config"]), "--i3d-flow-config", str(i3d["flow_config"]),
                 "--flow", "dis", "--min-score", "0", "--formats", "json", "--device", "cpu", "--json"])
    assert code == 0, capsys.readouterr().err
    dets = json.loads((out / "clip.json").read_text())["detections"]
    assert dets and all(0 <= d["start"] <= d["end"] <= 2.0 + 1e-6 for d in dets)
    assert {d["label"] for d in dets} <= {str(i) for i in range(cfg["dataset"]["num_classes"])} | set(
        range(cfg["dataset"]["num_classes"]))


def test_detect_names_the_missing_i3d_file(tmp_path, tiny, fixture_detector, own_cache, capsys):
    ckpt, config, _ = fixture_detector
    video = make_video(tmp_path / "clip.mp4", n=20, fps=30)
    code = main(["detect", str(video), "--checkpoint", str(ckpt), "--config", str(config), "-o", str(tmp_path / "o"),
                 "--i3d-rgb", str(tiny["rgb_checkpoint"])])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "--i3d-flow" in err[0] and "Traceback" not in err[0]


def test_detect_refuses_i3d_of_the_wrong_width(tmp_path, tiny, fixture_detector, own_cache, capsys):
    ckpt, config, cfg = fixture_detector  # tiny streams give 24 + 24 = 48; make them give 2 x 16 = 32 instead
    i3d = write_tiny_i3d(tmp_path / "i3d", out_dim=16)
    if cfg["dataset"]["input_dim"] == 32:
        pytest.skip("this fixture set reads 32-d features")
    video = make_video(tmp_path / "clip.mp4", n=20, fps=30)
    code = main(["detect", str(video), "--checkpoint", str(ckpt), "--config", str(config), "-o", str(tmp_path / "o"),
                 "--i3d-rgb", str(i3d["rgb_checkpoint"]), "--i3d-flow", str(i3d["flow_checkpoint"]),
                 "--i3d-rgb-config", str(i3d["rgb_config"]), "--i3d-flow-config", str(i3d["flow_config"])])
    err = capsys.readouterr().err.strip().splitlines()
    want = cfg["dataset"]["input_dim"]
    assert code != 0 and len(err) == 1 and f"reads {want}-d features but I3DTwoStream makes 32-d" in err[0]
    assert not (tmp_path / "o" / "clip.json").exists()


def test_thumos_config_names_the_i3d_backbone():
    from tempo.tasks.detect import _model_from_config

    _, features = _model_from_config("configs/tridet/thumos14_i3d.py")
    assert features["backbone"] == {"type": "I3DTwoStream"}
    assert (features["fps"], features["num_frames"], features["stride"]) == (30.0, 16, 4)


def test_checkpoint_for_other_features_is_one_line(tmp_path, own_cache, capsys):
    # an ActivityNet-TSP TriDet checkpoint (512-d, 1 class) with the THUMOS14 config (2048-d, 20 classes); only the
    # two tensors that tell them apart are written (the shapes of keys_anet_full.txt), the rest never gets read
    ckpt = tmp_path / "anet.pth.tar"
    state = {"module.backbone.embd.0.conv.weight": torch.zeros(512, 512, 3),
             "module.cls_head.cls_head.conv.weight": torch.zeros(1, 512, 3)}
    torch.save({"epoch": 1, "state_dict": state, "state_dict_ema": state}, ckpt)
    video = make_video(tmp_path / "clip.mp4", n=20, fps=30)
    code = main(["detect", str(video), "--checkpoint", str(ckpt), "--config", "configs/tridet/thumos14_i3d.py",
                 "--features", str(tmp_path / "f.npy"), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1, err
    assert ("it is a TriDet checkpoint for 512-d features (ActivityNet TSP) and 1 class, but the config expects "
            "2048-d features (THUMOS14 two-stream I3D) and 20 classes") in err[0]


def test_model_name_without_i3d_files_names_them(tmp_path, fixture_detector, own_cache, monkeypatch, capsys):
    ckpt, _, _ = fixture_detector
    monkeypatch.setenv("TEMPO_WEIGHTS_DIR", str(tmp_path / "w"))
    (tmp_path / "w" / "tridet-thumos14-i3d").mkdir(parents=True)
    (tmp_path / "w" / "tridet-thumos14-i3d" / "tridet_thumos14_i3d.pth.tar").write_bytes(ckpt.read_bytes())
    video = make_video(tmp_path / "clip.mp4", n=20, fps=30)
    code = main(["detect", str(video), "--model", "tridet-thumos14-i3d", "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "rgb_imagenet.pt" in err[0] and "flow_imagenet.pt" in err[0] and "--features X.npy" in err[0]
    # the fixture's checkpoint (tiny widths) with the full THUMOS14 config: one line naming both
    code = main(["detect", str(video), "--model", "tridet-thumos14-i3d", "-o", str(tmp_path / "o"),
                 "--features", str(tmp_path / "f.npy")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "but the config expects 2048-d features (THUMOS14 two-stream I3D)" in err[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
@pytest.mark.parametrize("command", ["detect", "ground"])
def test_cuda_without_cuda_is_one_line(tmp_path, command, capsys):
    video = make_video(tmp_path / "clip.mp4", n=10, fps=10)
    target = str(video) if command == "detect" else str(tmp_path)
    args = [command, target] + (["a query"] if command == "ground" else []) + ["--device", "cuda"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["tempo " + command + ": error: --device cuda: no CUDA device is available"]
