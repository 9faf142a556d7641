"""``--model NAME`` end to end offline: the SeedVR parity fixture's official-layout files (tiny, random weights)
placed in a temporary weights folder as a fetched ``seedvr2-3b``, restored from a real encoded video to a written
one; the same files through ``--checkpoint``; a wrong file is one line; and what ``--model`` sets on the other
commands."""
import json
import shutil

import pytest
import torch

from tempo.cli import build_parser, main
from tempo.io import probe
from tempo.official import apply_model

from media import make_video

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def seedvr(parity_dir, tmp_path_factory):
    """(tmp dir, cache dir, tiny model config JSON, input video) with seedvr2-3b "fetched" from the fixtures."""
    root = parity_dir("seedvr")
    d = tmp_path_factory.mktemp("official_seedvr")
    dit_cfg = json.loads((root / "dit_tiny" / "config.json").read_text())
    vae_cfg = json.loads((root / "vae_tiny" / "config.json").read_text())
    folder = d / "cache" / "weights" / "seedvr2-3b"
    folder.mkdir(parents=True)
    shutil.copy(root / "dit_tiny" / "model.pth", folder / "seedvr2_ema_3b.pth")
    shutil.copy(root / "vae_tiny" / "model.pth", folder / "ema_vae.pth")
    txt_dim = dit_cfg["constructor_kwargs"]["txt_in_dim"]
    gen = torch.Generator().manual_seed(0)
    for name in ("pos_emb.pt", "neg_emb.pt"):  # the official files are one bf16 (L, txt_in_dim) tensor each
        torch.save(torch.randn(7, txt_dim, generator=gen).bfloat16(), folder / name)
    pipeline = vae_cfg["pipeline"]
    model = {"type": "SeedVRRestorer", "txt_len": 7, "txt_in_dim": txt_dim, "steps": 1, "cfg_scale": 1.0,
             "cond_noise_scale": 0.0,
             "dit": {"type": "NaDiT", **dit_cfg["constructor_kwargs"],
                     "window_reference_area": dit_cfg["window_reference_area_tokens"],
                     "window_temporal_cap": dit_cfg["window_temporal_cap"]},
             "vae": {"type": "CausalVideoVAE", **vae_cfg["constructor_kwargs"],
                     "scaling_factor": pipeline["scaling_factor"], "shifting_factor": pipeline["shifting_factor"]}}
    config = d / "tiny_seedvr2.json"
    config.write_text(json.dumps({"model": model}))
    video = make_video(d / "in.mp4", n=5, width=48, height=32, fps=10)
    return d, d / "cache", config, video


def _restore(d, cache, config, video, out_name, *weights):
    out = d / out_name
    rc = main(["restore", str(video), "-o", str(out), *weights, "--config", str(config), "--cache-dir", str(cache),
               "--chunk", "5", "--overlap", "0", "--tile", "0", "--json"])
    return rc, out


def test_restore_with_model_name_runs_the_official_files(seedvr, capsys):
    d, cache, config, video = seedvr
    rc, out = _restore(d, cache, config, video, "out_model.mp4", "--model", "seedvr2-3b")
    assert rc == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    src, dst = probe(video), probe(out)
    assert summary["frames"] == src.num_frames == dst.num_frames == 5
    assert (dst.width, dst.height) == (src.width, src.height)


def test_official_weights_are_the_ones_loaded(seedvr, parity_dir):
    from tempo.tasks.restore import load_restorer

    d, cache, config, _ = seedvr
    restorer, _ = load_restorer(cache / "weights" / "seedvr2-3b" / "seedvr2_ema_3b.pth", config)
    state = torch.load(parity_dir("seedvr") / "dit_tiny" / "model.pth", weights_only=True)
    got = restorer.dit.state_dict()
    assert set(got) == set(state) and all(torch.equal(got[k], state[k]) for k in state)
    pos = torch.load(cache / "weights" / "seedvr2-3b" / "pos_emb.pt", weights_only=True)
    assert torch.equal(restorer.pos_emb.data, pos.float())


def test_restore_with_official_checkpoint_file(seedvr, capsys):
    d, cache, config, video = seedvr
    dit = cache / "weights" / "seedvr2-3b" / "seedvr2_ema_3b.pth"
    rc, out = _restore(d, cache, config, video, "out_ckpt.mp4", "--checkpoint", str(dit))
    assert rc == 0, capsys.readouterr().err
    assert probe(out).num_frames == 5


def test_vae_given_as_the_dit_is_one_clear_line(seedvr, tmp_path, capsys):
    d, _, config, video = seedvr
    folder = tmp_path / "wrong"
    shutil.copytree(d / "cache" / "weights" / "seedvr2-3b", folder)
    shutil.copy(folder / "ema_vae.pth", folder / "seedvr2_ema_3b.pth")
    rc, out = _restore(tmp_path, tmp_path / "c", config, video, "x.mp4", "--checkpoint", str(folder))
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and not out.exists()
    assert "seedvr2_ema_3b.pth: this file holds the SeedVR VAE; expected the SeedVR DiT" in err[0]


def test_model_not_fetched_names_the_fetch_command(seedvr, tmp_path, capsys):
    _, _, _, video = seedvr
    rc = main(["restore", str(video), "-o", str(tmp_path / "o.mp4"), "--model", "seedvr2-7b",
               "--cache-dir", str(tmp_path / "empty")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1
    assert "missing seedvr2_ema_7b.pth" in err[0] and "tempo weights fetch seedvr2-7b" in err[0]


def test_model_of_another_task_or_with_checkpoint_is_usage_error(seedvr, tmp_path, capsys):
    _, cache, _, video = seedvr
    assert main(["detect", str(video), "--model", "seedvr2-3b", "-o", str(tmp_path / "det")]) == 2
    assert "is a `tempo restore` model" in capsys.readouterr().err
    assert main(["restore", str(video), "--model", "seedvr2-3b", "--checkpoint", "x.pth",
                 "--cache-dir", str(cache)]) == 2
    assert "drop --checkpoint" in capsys.readouterr().err


@pytest.mark.parametrize("command,model,expect", [
    ("detect", "tridet-thumos14-i3d", {"checkpoint": "tridet_thumos14_i3d.pth.tar",
                                       "config": "configs/tridet/thumos14_i3d.py"}),
    ("ground", "bam-detr-qvhighlights", {"checkpoint": "model.ckpt", "clip_dir": "clip-vit-base-patch32"}),
    ("complete", "opn-davis", {"opn": "OPN.pth", "tcn": "TCN.pth"}),
])
def test_model_sets_the_commands_weight_options(tmp_path, monkeypatch, command, model, expect):
    from tempo.official.registry import get_model

    monkeypatch.setenv("TEMPO_WEIGHTS_DIR", str(tmp_path))
    for f in get_model(model)["files"]:  # "fetched": the names are all that --model resolves
        (tmp_path / model / f["name"]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / model / f["name"]).write_bytes(b"x")
    first = {"detect": ["v.mp4"], "ground": ["clips"], "complete": ["v.mp4"]}[command]
    args = build_parser().parse_args([command, *first, "--model", model])
    apply_model(args, command)
    for dest, tail in expect.items():
        assert str(getattr(args, dest)).endswith(tail), dest
    if command == "detect":
        assert (tmp_path / model / "tridet_thumos14_i3d.pth.tar").samefile(args.checkpoint)
