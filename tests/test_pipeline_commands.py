"""`tempo restore` and `tempo complete` are `tempo run pipelines/restore.py` / `complete.py`: the same settings give
byte-identical videos (each computed from scratch in its own cache), and the command's cache entry is the config's."""
import json

import pytest
import torch
from mmengine.config import Config

import tempo.models.seedvr  # noqa: F401
from media import make_video
from tempo.cli import main
from tempo.io import probe
from tempo.models.seedvr.checkpoint import save_restorer
from tempo.registry import MODELS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "clip.mp4", n=12, width=48, height=32, fps=10)


@pytest.fixture
def restorer(tmp_path, request):
    cfg = Config.fromfile(str(request.config.rootpath / "configs/seedvr/synth_tiny.py")).restorer.to_dict()
    torch.manual_seed(0)
    return save_restorer(MODELS.build(cfg), tmp_path / "tiny.safetensors", cfg)


def _stages(capsys) -> dict:
    return {s["stage"]: s["status"] for s in json.loads(capsys.readouterr().out)["results"][0]["stages"]}


def test_restore_command_is_the_restore_pipeline(tmp_path, video, restorer, monkeypatch, capsys):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_a"))
    out = tmp_path / "a" / "restored.mp4"
    assert main(["restore", str(video), "-o", str(out), "--checkpoint", str(restorer), "--one-step", "--tile", "32",
                 "--tile-overlap", "8", "--chunk", "5", "--overlap", "2", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["cached"] is False and summary["frames"] == 12 and summary["steps"] == 1
    opts = [f"SeedVRRestore.checkpoint={restorer}", "SeedVRRestore.steps=1", "SeedVRRestore.tile=32",
            "SeedVRRestore.tile_overlap=8", "SeedVRRestore.chunk=5", "SeedVRRestore.overlap=2"]
    run = ["run", "pipelines/restore.py", str(video), "-o", str(tmp_path / "b"), "--json", "--cfg-options", *opts]
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_b"))  # computed again, not copied from a cache
    assert main(run) == 0
    assert _stages(capsys)["SeedVRRestore"] == "computed"
    assert (tmp_path / "b" / "clip_restored.mp4").read_bytes() == out.read_bytes()
    assert probe(out).num_frames == 12
    # the command's cache entry is the config's: same key
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_a"))
    assert main(run) == 0
    assert _stages(capsys)["SeedVRRestore"] == "cached"


def test_complete_command_is_the_complete_pipeline(tmp_path, video, monkeypatch, capsys):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_a"))
    out = tmp_path / "a" / "completed.mp4"
    assert main(["complete", str(video), "-o", str(out), "--box", "8,8,16,16", "--refine", "telea", "--radius", "4",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pipeline"] == "propagation + Telea" and summary["frames_with_holes"] == 12
    assert summary["propagated_pixels"] + summary["residual_pixels"] == 12 * 16 * 16
    run = ["run", "pipelines/complete.py", str(video), "-o", str(tmp_path / "b"), "--json", "--cfg-options",
           "OnionPeelComplete.refine=telea", "OnionPeelComplete.radius=4"]  # the config's box is 8,8,16,16
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_b"))
    assert main(run) == 0
    assert _stages(capsys)["OnionPeelComplete"] == "computed"
    assert (tmp_path / "b" / "clip_completed.mp4").read_bytes() == out.read_bytes()
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_a"))
    assert main(run) == 0
    assert _stages(capsys)["OnionPeelComplete"] == "cached"
    # --no-propagation is another result, so another entry; the same command again comes from the cache
    argv = ["complete", str(video), "-o", str(tmp_path / "c.mp4"), "--box", "8,8,16,16", "--no-propagation", "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["cached"] is False and first["pipeline"] == "onion-peel network"
    assert main(argv) == 0 and json.loads(capsys.readouterr().out)["cached"] is True
