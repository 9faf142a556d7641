"""``tempo restore --device/--dtype`` (issue 25, GPU-ready): bfloat16 the way the official SeedVR inference uses it
(DiT under autocast, VAE weights cast), run here on the CPU; clear one-line errors for what the machine cannot run;
float32 unchanged. A GPU run is not tested here (none on this machine)."""
import json

import numpy as np
import pytest
import torch
from mmengine.config import Config

import tempo.models.seedvr  # noqa: F401
from tempo.cli import main
from tempo.errors import UsageError
from tempo.eval.image_quality import psnr
from tempo.io import VideoReader
from tempo.models.seedvr.checkpoint import save_restorer
from tempo.models.seedvr.precision import resolve_dtype
from tempo.pipeline import Stage
from tempo.registry import MODELS
from tempo.stages.restore import SeedVRRestore
from tempo.tasks.restore import load_restorer

from media import make_video

pytestmark = pytest.mark.usefixtures("one_torch_thread", "own_cache")
CONFIG = "configs/seedvr/synth_tiny.py"


def tiny_config(rootpath) -> dict:
    """The tiny model without its residual path: the output is all network (the residual one starts as the
    identity, where any precision gives the input back and a test of the cast could not fail)."""
    cfg = Config.fromfile(str(rootpath / CONFIG)).restorer.to_dict()
    cfg.update(residual=False, steps=2, sample_posterior=True)  # two Euler steps and the posterior draw: all paths
    return cfg


@pytest.fixture(scope="module")
def setup(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("precision")
    cfg = tiny_config(request.config.rootpath)
    torch.manual_seed(0)
    save_restorer(MODELS.build(cfg), d / "tiny.safetensors", cfg)
    make_video(d / "in.mp4", n=9, width=64, height=48, fps=10)  # real h264
    return d


def _restore(d, out, *flags, capsys=None):
    code = main(["restore", str(d / "in.mp4"), "-o", str(out), "--checkpoint", str(d / "tiny.safetensors"),
                 "--codec", "ffv1", "--json", *flags])  # ffv1: lossless, so only the precision differs
    return code, (json.loads(capsys.readouterr().out) if capsys else None)


def _frames(path) -> np.ndarray:
    reader = VideoReader(str(path))
    return reader.get_frames(list(range(len(reader))))


def test_bfloat16_on_the_cpu_runs_end_to_end_close_to_float32(setup, capsys):
    d = setup
    code32, s32 = _restore(d, d / "f32.mkv", "--dtype", "float32", capsys=capsys)
    code16, s16 = _restore(d, d / "bf16.mkv", "--dtype", "bfloat16", capsys=capsys)
    assert code32 == code16 == 0 and (s32["dtype"], s16["dtype"], s16["device"]) == ("float32", "bfloat16", "cpu")
    assert s16["cached"] is False  # the precision is part of the cache key: not float32's result again
    f32, bf16 = _frames(d / "f32.mkv"), _frames(d / "bf16.mkv")
    assert f32.shape == bf16.shape == (9, 48, 64, 3) and f32.std() > 20  # the network's output, not a flat image
    # Measured 51 dB. A different noise draw (seed 1 vs 0) gives 14 dB and the input itself 8 dB: a cast
    # that loses the scaling, the noise or the latents fails the bound; an identical output means no cast at all.
    assert not np.array_equal(f32, bf16)
    assert psnr(f32, bf16) > 40


def test_float32_is_the_path_without_a_device(setup):
    """--device cpu --dtype float32 is byte-identical to the restorer never moved or cast (the parity tests'
    path), and its cache key is the one from before --device/--dtype existed (cached results are still found)."""
    d = setup
    frames = list(_frames(d / "in.mp4"))
    plain = load_restorer(d / "tiny.safetensors")[0]
    placed = load_restorer(d / "tiny.safetensors", device="cpu", dtype="float32")[0]
    a = np.stack(list(plain.restore_frames(iter(frames), chunk=9, overlap=0)))
    b = np.stack(list(placed.restore_frames(iter(frames), chunk=9, overlap=0)))
    assert np.array_equal(a, b)
    stage = SeedVRRestore(checkpoint=str(d / "tiny.safetensors"), device="cpu", dtype="float32")
    before = SeedVRRestore(checkpoint=str(d / "tiny.safetensors"))
    for key in ("device", "dtype"):
        del before.params[key]
    assert stage.cache_key("x") == Stage.cache_key(before, "x")
    assert SeedVRRestore(checkpoint=str(d / "tiny.safetensors"), dtype="bfloat16").cache_key("x") != \
        stage.cache_key("x")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
@pytest.mark.parametrize("flags, message", [
    (["--device", "cuda"], "tempo restore: error: --device cuda: no CUDA device is available"),
    (["--dtype", "float16"], "tempo restore: error: --dtype float16 needs a CUDA device (--device cpu); on the CPU "
                             "use --dtype bfloat16"),
])
def test_what_the_machine_cannot_run_is_one_line_and_writes_nothing(setup, capsys, flags, message):
    d = setup
    out = d / "never.mkv"
    assert _restore(d, out, *flags)[0] == 2
    assert capsys.readouterr().err.strip().splitlines() == [message]
    assert not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_complete_cuda_without_cuda_is_one_line(tmp_path, capsys):
    video = make_video(tmp_path / "clip.mp4", n=5, fps=10)
    out = tmp_path / "done.mp4"
    assert main(["complete", str(video), "--box", "8,8,16,16", "-o", str(out), "--device", "cuda"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "tempo complete: error: --device cuda: no CUDA device is available"]
    assert not out.exists()


def test_default_precision_per_device(monkeypatch):
    """float32 on the CPU; on CUDA the official bfloat16, or float32 where the GPU has no bfloat16."""
    assert resolve_dtype(None, "cpu") == "float32" and resolve_dtype("bfloat16", "cpu") == "bfloat16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert resolve_dtype(None, "cuda") == "bfloat16" and resolve_dtype("float16", "cuda:1") == "float16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert resolve_dtype(None, "cuda") == "float32"
    with pytest.raises(UsageError, match="does not support bfloat16"):
        resolve_dtype("bfloat16", "cuda")
