"""The CLIP path a user with a local CLIP folder takes, end to end from the command line: extract CLIP image
features of a folder, encode the queries with CLIP's text tower, train BAM-DETR with tools/train.py
(configs/bam_detr/clip.py, sizes from the data), and search the folder with the bundle that training wrote;
official BAM-DETR weights search a folder with --clip-dir, and those that read SlowFast too get one line."""
import argparse
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from media import make_video
from tempo.cli import main
from tiny_clip import TINY, write_tiny_clip

REPO = Path(__file__).resolve().parents[1]
QUERIES = ["a bright bar moves right", "the bar slides along", "a moving stripe", "something moves", "bar"]


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"tempo_tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    return write_tiny_clip(tmp_path_factory.mktemp("my clip"))


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    for i, n in enumerate((40, 60, 50)):  # 4, 6, 5 s at 10 fps
        make_video(folder / f"clip{i}.mp4", n=n, width=64, height=48, fps=10)
    return folder


def _json_out(text):
    """The --json document of a command's stdout. Run in the process that trained, mmengine's logger (its
    default scope still set by the Runner) may print a registry-scope warning line to stdout first."""
    return json.loads(text[text.index("{"):] if text.startswith("{") else text[text.index("\n{") + 1:])


def _annotations(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))


def test_clip_folder_extract_train_bundle_and_search(tmp_path, clip_dir, videos, capsys, monkeypatch,
                                                     one_torch_thread):
    data = tmp_path / "data"
    # 1. video features: one CLIP image embedding per 2-s clip (1 fps decode, both frames of a clip averaged)
    assert main(["extract", str(videos), "-o", str(data / "features" / "video"), "--backbone", "CLIPImage",
                 "--checkpoint", str(clip_dir), "--layout", "ground", "--fps", "1", "--frame-step", "1"]) == 0
    capsys.readouterr()
    # 2. annotations and CLIP text token features of their queries
    rows = [{"qid": q, "query": QUERIES[q % len(QUERIES)], "vid": f"clip{q % 3}", "duration": 4.0,
             "relevant_windows": [[0.0, 2.0 + 2 * (q % 2)]]} for q in range(6)]
    _annotations(data / "train.jsonl", rows)
    _annotations(data / "val.jsonl", rows[:2])
    assert _tool("extract_text_features").main([str(data / "train.jsonl"), str(data / "val.jsonl"), "-o",
                                                str(data / "features" / "text"), "--encoder", "CLIPText",
                                                "--checkpoint", str(clip_dir)]) == 0
    with np.load(data / "features" / "text" / "qid0.npz") as z:
        assert z["last_hidden_state"].shape[1] == 32 and z["pooler_output"].shape == (24,)  # hidden / projection
    # 3. train through tools/train.py on the CLIP config: sizes "auto" from the data, a tiny model, 2 epochs
    monkeypatch.setenv("TEMPO_GROUND_DATA", str(data))
    work = tmp_path / "work"
    torch.manual_seed(0)
    assert _tool("train").main([str(REPO / "configs" / "bam_detr" / "clip.py"), "--work-dir", str(work),
                                "--cfg-options", "model.model.dim_feedforward=32",
                                "model.model.nheads=2", "model.model.num_queries=4", "model.model.enc_layers=1",
                                "model.model.dec_layers=1", "train_dataloader.batch_size=3",
                                "train_cfg.max_epochs=2", "train_cfg.val_interval=100", "log_level=WARNING"]) == 0
    bundle_path = work / "search.safetensors"
    bundle = json.loads(bundle_path.with_suffix(".json").read_text())
    # the bundle records how to make its inputs again, CLIP folder included
    assert bundle["model"]["model"]["v_feat_dim"] == 24 + 2 and bundle["model"]["model"]["t_feat_dim"] == 32
    assert bundle["video_features"] == {"backbone": "CLIPImage", "checkpoint": str(clip_dir.resolve()),
                                        "layout": "ground", "fps": 1.0, "clip_len": 2.0, "frame_step": 1}
    assert bundle["text"] == {"encoder": "CLIPText", "checkpoint": str(clip_dir.resolve()), "tokens": True,
                              "max_tokens": 32}
    # 4. search the folder from the command line with the bundle alone
    capsys.readouterr()
    assert main(["ground", str(videos), "a bar moves right", "--checkpoint", str(bundle_path), "--top-k", "3",
                 "--json"]) == 0
    out = _json_out(capsys.readouterr().out)
    assert out["clips"] == 3 and 1 <= len(out["results"]) <= 3
    for rank, r in enumerate(out["results"], 1):
        assert set(r) == {"query", "rank", "clip", "start", "end", "score"} and r["rank"] == rank
        assert Path(r["clip"]).parent == videos and 0 <= r["start"] <= r["end"] <= 6.0 + 1e-6
    scores = [r["score"] for r in out["results"]]
    assert scores == sorted(scores, reverse=True)
    # the folder's rows came from the cache the extraction filled: same settings, same key
    from tempo.tasks.ground import MomentSearch

    search = MomentSearch(bundle_path)
    search.index_folder(videos)
    feats = np.load(data / "features" / "video" / "clip1.npz")["features"]
    np.testing.assert_array_equal(search.clips[str(videos / "clip1.mp4")], feats)

    # 5. the CLIP folder moved: the bundle's path is gone, --clip-dir names the new place
    moved = tmp_path / "moved clip"
    shutil.copytree(clip_dir, moved)
    missing = json.loads(bundle_path.with_suffix(".json").read_text())
    missing["video_features"]["checkpoint"] = missing["text"]["checkpoint"] = str(tmp_path / "gone")
    bundle_path.with_suffix(".json").write_text(json.dumps(missing))
    capsys.readouterr()
    assert main(["ground", str(videos), "a bar", "--checkpoint", str(bundle_path)]) == 1  # a missing input
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "gone" in err and "--clip-dir" in err
    assert main(["ground", str(videos), "a bar moves right", "--checkpoint", str(bundle_path), "--top-k", "3",
                 "--json", "--clip-dir", str(moved)]) == 0
    moved_rows = _json_out(capsys.readouterr().out)["results"]
    assert [(r["clip"], r["start"], r["end"]) for r in moved_rows] == \
        [(r["clip"], r["start"], r["end"]) for r in out["results"]]  # same weights, same answer

    # 6. the demo's search service on a folder of checkpoints, the CLIP bundle among them
    from tempo.ui.service import DemoService

    service = DemoService(videos, checkpoint_dir=work, clip_dir=moved)
    choice = service.choose({"search": None, "detect": None}, "search", "search.safetensors")
    assert "Indexed **3** clips" in service.index(".", choice)
    rows, status, _ = service.search(".", "a bar moves right", 3, choice)
    assert status.startswith(f"{len(rows)} moments") and [r[1] for r in rows] == \
        [Path(r["clip"]).name for r in moved_rows]


def test_clip_weights_are_in_the_feature_cache_key(tmp_path, clip_dir, videos):
    """Another CLIP folder with other weights (same config, same path name pattern) gives other features, never
    the cached ones of the first."""
    from tempo.features import extract_features
    from tempo.pipeline import Cache

    other = write_tiny_clip(tmp_path / "other", seed=2)
    video = videos / "clip0.mp4"
    a, _ = extract_features(video, "CLIPImage", checkpoint=str(clip_dir), layout="ground", fps=1.0, frame_step=1)
    b, _ = extract_features(video, "CLIPImage", checkpoint=str(other), layout="ground", fps=1.0, frame_step=1)
    assert not np.allclose(a, b) and len(list(Cache().entries())) == 2
    # the same folder rewritten with other weights: its content hash changes, so does the key
    write_tiny_clip(other, seed=3)
    c, _ = extract_features(video, "CLIPImage", checkpoint=str(other), layout="ground", fps=1.0, frame_step=1)
    assert not np.allclose(b, c) and len(list(Cache().entries())) == 3


def _official_ckpt(path, v_feat_dim, t_feat_dim=32):
    """An official-format BAM-DETR model.ckpt (its argparse options pickled beside the weights), random weights."""
    from tempo.models.bam_detr.model import BAMDETR

    opt = dict(v_feat_dim=v_feat_dim, t_feat_dim=t_feat_dim, nheads=2, num_queries=4, enc_layers=1,
               dec_layers=1, dim_feedforward=32, dropout=0.1, input_dropout=0.5, n_input_proj=2, max_q_l=32,
               use_txt_pos=False, aux_loss=True, quality_loss=True)
    torch.manual_seed(0)
    torch.save({"opt": argparse.Namespace(**opt), "model": BAMDETR(**opt).state_dict()}, path)
    return path


def test_official_weights_search_a_folder_with_clip_dir(tmp_path, clip_dir, videos, capsys):
    ckpt = _official_ckpt(tmp_path / "model.ckpt", TINY["projection_dim"] + 2)
    assert main(["ground", str(videos), "a bar", "--checkpoint", str(ckpt)]) == 2
    err = capsys.readouterr().err
    assert "official BAM-DETR weights read CLIP" in err and "--clip-dir" in err
    assert main(["ground", str(videos), "a bar", "--checkpoint", str(ckpt), "--clip-dir", str(clip_dir),
                 "--json", "--top-k", "2"]) == 0
    rows = _json_out(capsys.readouterr().out)["results"]
    assert len(rows) == 2 and all(0 <= r["start"] <= r["end"] for r in rows)
    from tempo.tasks.ground import MomentSearch

    search = MomentSearch(ckpt, clip_dir=clip_dir)  # one CLIP image embedding per 2-s clip (0.5 fps)
    assert search.video_cfg["fps"] == 0.5 and search.clip_features(videos / "clip1.mp4")[0].shape == (3, 24)


def test_official_slowfast_clip_weights_say_what_is_missing(tmp_path, clip_dir, videos, capsys):
    ckpt = _official_ckpt(tmp_path / "model.ckpt", 2304 + TINY["projection_dim"] + 2)
    assert main(["ground", str(videos), "a bar", "--checkpoint", str(ckpt), "--clip-dir", str(clip_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "SlowFast features are missing" in err
    # a CLIP of another size: named, not a shape error deep in the model
    ckpt = _official_ckpt(tmp_path / "other.ckpt", 512 + 2, t_feat_dim=512)
    assert main(["ground", str(videos), "a bar", "--checkpoint", str(ckpt), "--clip-dir", str(clip_dir)]) == 2
    assert "another CLIP" in capsys.readouterr().err


def test_clip_dir_on_a_model_without_clip_is_a_usage_error(tmp_path, clip_dir, videos, capsys):
    from tempo.models.bam_detr.checkpoint import save_tempo_checkpoint
    from tempo.models.bam_detr.grounder import BAMDETRGrounder

    model_cfg = dict(type="BAMDETRGrounder", model=dict(v_feat_dim=1282, t_feat_dim=384, nheads=2,
                                                        dim_feedforward=32, enc_layers=1, num_queries=4))
    path = save_tempo_checkpoint(BAMDETRGrounder(model=model_cfg["model"]), tmp_path / "g.safetensors", model_cfg)
    path.with_suffix(".json").write_text(json.dumps({"model": model_cfg, "text": {"encoder": "MiniLM"},
                                                     "video_features": {"backbone": "EfficientNetLite0"}}))
    assert main(["ground", str(videos), "a bar", "--checkpoint", str(path), "--clip-dir", str(clip_dir)]) == 2
    assert "reads no CLIP features" in capsys.readouterr().err


def test_qvhighlights_clip_config_bundle_names_the_clip_folder(clip_dir):
    """Training on QVHighlights' own CLIP features (no tempo metadata beside them): the config says how tempo makes
    the same inputs, and the CLIP folder given on the command line lands in the bundle."""
    from mmengine.config import Config

    from tempo.tasks.ground_bundle import search_inputs

    cfg = Config.fromfile(str(REPO / "configs" / "bam_detr" / "qvhighlights_clip.py"))
    cfg.merge_from_dict({"search_bundle.clip_dir": str(clip_dir)})
    assert cfg.model.model.v_feat_dim == 512 + 2
    for split in ("train", "val", "test"):
        assert cfg[f"{split}_dataloader"].dataset.v_feat_dirs == ["data/qvhighlights/features/clip_features"]
    inputs = search_inputs(cfg, cfg.search_bundle)
    assert inputs["video_features"]["backbone"] == "CLIPImage" and inputs["text"]["encoder"] == "CLIPText"
    assert inputs["video_features"]["checkpoint"] == inputs["text"]["checkpoint"] == str(clip_dir.resolve())
