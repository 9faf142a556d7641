"""``tempo evaluate restore`` and the classical baselines, on the tiny synth preset."""
import json

import numpy as np
import pytest
import torch
from mmengine.config import Config

import tempo.models.seedvr  # noqa: F401
from tempo.cli import main
from tempo.eval.image_quality import psnr
from tempo.models.seedvr.checkpoint import save_restorer
from tempo.registry import MODELS
from tempo.tasks.restore_baselines import baseline
from tempo.tasks.restore_eval import evaluate

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("restore_eval")
    assert main(["synth", "--task", "restore", "--preset", "tiny", "-o", str(d / "synth")]) == 0
    cfg = Config.fromfile(str(request.config.rootpath / "configs/seedvr/synth_tiny.py")).restorer.to_dict()
    torch.manual_seed(0)
    save_restorer(MODELS.build(cfg), d / "tiny.safetensors", cfg)
    return d


def test_denoising_baselines_remove_noise():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:48, 0:64]
    clean = np.stack([np.dstack([xx * 3, yy * 4, np.full_like(xx, 120)]) for _ in range(6)]).astype(np.uint8)
    noisy = np.clip(clean + rng.normal(0, 12, clean.shape), 0, 255).astype(np.uint8)
    assert np.array_equal(baseline("identity")(noisy), noisy) and np.array_equal(baseline("bicubic")(noisy), noisy)
    for name in ("hqdn3d", "nlmeans", "hqdn3d=8:6:12:9"):
        out = baseline(name)(noisy)
        assert out.shape == noisy.shape and psnr(clean, out) > psnr(clean, noisy) + 0.3, name
    with pytest.raises(ValueError):
        baseline("median")


def test_evaluate_scores_input_baselines_and_model(data):
    result = evaluate(data / "synth", checkpoint=data / "tiny.safetensors")
    methods = result["methods"]
    assert result["clips"] == 1 and set(methods) == {"identity", "bicubic", "hqdn3d", "nlmeans", "seedvr (1-step)"}
    assert methods["identity"] == methods["bicubic"]  # the degraded clips are already bicubic-upscaled
    assert all(q["frames"] == 20 and 0 < q["ssim"] <= 1 and q["psnr"] > 5 for q in methods.values())
    kind = result["per_clip"][0]["kind"]
    assert result["by_kind"][kind]["identity"] == methods["identity"]


def test_cli_json_baselines_only(data, capsys):
    assert main(["evaluate", "restore", "--data", str(data / "synth"), "--split", "val", "--no-model",
                 "--baselines", "identity,hqdn3d", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["split"] == "val" and set(out["methods"]) == {"identity", "hqdn3d"} and out["model"] is None
    assert main(["evaluate", "restore", "--data", str(data / "synth"), "--no-model", "--baselines", "median"]) == 2
    assert main(["evaluate", "restore", "--data", str(data / "nowhere"), "--no-model"]) == 1
