"""Official BAM-DETR (QVHighlights layout: SlowFast + CLIP image rows per 2-s clip, CLIP text tokens) from raw
video: a tiny random mmaction2-format SlowFast and the tiny random CLIP folder written here, an official-format
model.ckpt, real encoded video, `tempo ground` and `--model bam-detr-qvhighlights` to a written output."""
import argparse
import json

import numpy as np
import pytest
import torch

from media import make_video
from slowfast_tiny import write_tiny_slowfast
from tempo.cli import main
from tiny_clip import TINY, write_tiny_clip

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("sfc")
    clip = write_tiny_clip(root / "clip")
    sf = write_tiny_slowfast(root / "sf")
    videos = root / "videos"
    videos.mkdir()
    for i, n in enumerate((40, 50)):  # 4 s and 5 s at 10 fps: 2 and 3 clips of 2 s
        make_video(videos / f"clip{i}.mp4", n=n, width=64, height=48, fps=10)
    opt = dict(v_feat_dim=sf["dim"] + TINY["projection_dim"] + 2, t_feat_dim=32, nheads=2, num_queries=4,
               enc_layers=1, dec_layers=1, dim_feedforward=32, dropout=0.1, input_dropout=0.5, n_input_proj=2,
               max_q_l=32, use_txt_pos=False, aux_loss=True, quality_loss=True,
               v_feat_dirs=["features/slowfast_features", "features/clip_features"])
    from tempo.models.bam_detr.model import BAMDETR

    torch.manual_seed(0)
    model_opt = {k: v for k, v in opt.items() if k != "v_feat_dirs"}
    ckpt = root / "model.ckpt"
    torch.save({"opt": argparse.Namespace(**opt), "model": BAMDETR(**model_opt).state_dict(), "epoch": 1}, ckpt)
    return {"clip": clip, "sf": sf, "videos": videos, "ckpt": ckpt, "root": root}


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))


def test_rows_are_slowfast_then_clip_each_normalised(files):
    from tempo.features import extract_features

    spec = {"type": "SlowFastCLIP", "slowfast_checkpoint": str(files["sf"]["checkpoint"]),
            "slowfast_config": str(files["sf"]["config"]), "clip_dir": str(files["clip"])}
    feats, meta = extract_features(files["videos"] / "clip1.mp4", spec, layout="ground", clip_len=2.0)
    d = files["sf"]["dim"]
    assert feats.shape == (3, d + TINY["projection_dim"])  # ceil(5 s / 2 s) rows
    assert np.allclose(np.linalg.norm(feats[:, :d], axis=1), 1, atol=1e-3)
    assert np.allclose(np.linalg.norm(feats[:, d:], axis=1), 1, atol=1e-3)
    # the CLIP block is CLIPImage's own embedding of one frame per clip (0.5 fps), normalised
    clip, _ = extract_features(files["videos"] / "clip1.mp4", "CLIPImage", checkpoint=str(files["clip"]),
                               layout="ground", fps=0.5, frame_step=1, clip_len=2.0)
    assert np.allclose(feats[:, d:], clip / np.linalg.norm(clip, axis=1, keepdims=True), atol=1e-3)
    assert meta["spans"][:, 0].tolist() == [0.0, 2.0, 4.0]


def test_ground_official_checkpoint_from_raw_video(files, tmp_path, capsys):
    out = tmp_path / "hits.json"
    args = ["ground", str(files["videos"]), "a bar moves", "--checkpoint", str(files["ckpt"]), "--clip-dir",
            str(files["clip"]), "--slowfast", str(files["sf"]["checkpoint"]), "--slowfast-config",
            str(files["sf"]["config"]), "--device", "cpu", "-o", str(out), "--top-k", "3"]
    assert main(args) == 0, capsys.readouterr().err
    rows = json.loads(out.read_text())
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert len(rows) == 3 and all(0 <= r["start"] <= r["end"] <= 5.0 + 1e-6 for r in rows)


def test_ground_without_slowfast_says_so(files, capsys):
    assert main(["ground", str(files["videos"]), "a bar", "--checkpoint", str(files["ckpt"]), "--clip-dir",
                 str(files["clip"])]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SlowFast features are missing" in err[0] and "--slowfast" in err[0]


def test_wrong_slowfast_file_is_one_line(files, tmp_path, capsys):
    # an I3D-shaped checkpoint given as the SlowFast: named, with what was expected
    bad = tmp_path / "bad.pth"
    torch.save({"state_dict": {"backbone.slow_path.conv1.conv.weight": torch.zeros(8, 2, 1, 3, 3)}}, bad)
    code = main(["ground", str(files["videos"]), "a bar", "--checkpoint", str(files["ckpt"]), "--clip-dir",
                 str(files["clip"]), "--slowfast", str(bad), "--slowfast-config", str(files["sf"]["config"])])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "bad.pth" in err[0]
    assert "reads 2 input channels (an optical-flow network) but the config expects 3 (an RGB network)" in err[0]


def test_model_name_runs_from_raw_video(files, tmp_path, monkeypatch, capsys):
    import shutil

    from tempo.official.registry import get_model

    monkeypatch.setenv("TEMPO_WEIGHTS_DIR", str(tmp_path / "w"))
    folder = tmp_path / "w" / "bam-detr-qvhighlights"
    model = get_model("bam-detr-qvhighlights")
    role_src = {"checkpoint": files["ckpt"], "slowfast": files["sf"]["checkpoint"]}
    for f in model["files"]:
        dst = folder / f["name"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        if f["role"] in role_src:
            shutil.copy(role_src[f["role"]], dst)
    shutil.copytree(files["clip"], folder / "clip-vit-base-patch32", dirs_exist_ok=True)
    clip_folder = folder / "clip-vit-base-patch32"  # the registry's file names (a real CLIP folder has them all)
    tok = json.loads((clip_folder / "tokenizer.json").read_text())["model"]
    for name, text in (("vocab.json", json.dumps(tok["vocab"])), ("merges.txt", "#version: 0.2\n"),
                       ("special_tokens_map.json", "{}")):
        if not (clip_folder / name).is_file():
            (clip_folder / name).write_text(text)
    if not (clip_folder / "pytorch_model.bin").is_file():
        from safetensors.torch import load_file

        torch.save(load_file(clip_folder / "model.safetensors"), clip_folder / "pytorch_model.bin")
    out = tmp_path / "hits.csv"
    # the tiny SlowFast needs its own config (the real one is mmaction's bundled SlowFast-R50 8x8)
    assert main(["ground", str(files["videos"]), "a bar moves", "--model", "bam-detr-qvhighlights",
                 "--slowfast-config", str(files["sf"]["config"]), "-o", str(out), "--top-k", "2"]) == 0, \
        capsys.readouterr().err
    assert out.read_text().splitlines()[0].startswith("query,rank,clip,start,end,score")
    assert len(out.read_text().splitlines()) == 3
