"""``tempo evaluate complete`` and the classical completion baselines."""
import subprocess
import sys

import numpy as np
import pytest

from tempo.tasks.complete_baselines import BASELINES, propagate_frames
from tempo.tasks.complete_eval import evaluate


def _panning_clip(n=6, h=48, w=64, step=3):
    rng = np.random.default_rng(0)
    world = (rng.random((h, w + n * step, 3)) * 255).astype(np.uint8)
    frames = np.stack([world[:, i * step:i * step + w] for i in range(n)])
    holes = np.zeros((n, h, w), bool)
    for i in range(n):
        holes[i, 15:30, 10 + 5 * i:25 + 5 * i] = True
    return frames, holes


def test_baselines_change_only_holes():
    frames, holes = _panning_clip()
    given = frames.copy()
    given[holes] = 0
    for name, fn in BASELINES.items():
        out = fn(given, holes)
        assert out.shape == frames.shape and out.dtype == np.uint8, name
        assert np.array_equal(out[~holes], given[~holes]), name


def test_propagation_recovers_a_pan_exactly():
    # the texture is random noise: only true temporal propagation (with the right shift) restores it
    frames, holes = _panning_clip()
    given = frames.copy()
    given[holes] = 0
    out = propagate_frames(given, holes)
    err = np.abs(out.astype(int) - frames.astype(int))[holes]
    assert np.median(err) == 0


@pytest.fixture(scope="module")
def tiny_complete(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth_complete")
    subprocess.run([sys.executable, "-m", "tempo", "synth", "--task", "complete", "--preset", "tiny", "-o",
                    str(out)], check=True, capture_output=True)
    return out


def test_evaluate_baselines_on_tiny(tiny_complete):
    result = evaluate(tiny_complete, "test")
    assert result["clips"] >= 1
    for name in ("telea", "ns", "propagation"):
        q = result["methods"][name]
        assert q["frames"] > 0 and 5 < q["psnr"] < 100 and -1 <= q["ssim"] <= 1
        assert q["temporal_error"] >= 0 and q["gt_change"] >= 0


def test_temporal_change_measures_flicker():
    from tempo.tasks.complete_eval import temporal_change

    clean = np.full((3, 8, 8, 3), 100, np.uint8)
    holes = np.zeros((3, 8, 8), bool)
    holes[:, 2:5, 2:5] = True
    flicker = clean.copy()
    flicker[1][holes[1]] = 110  # the fill jumps by 10 on frame 1 and back on frame 2
    assert temporal_change(clean, clean, holes)["temporal_error"] == 0
    q = temporal_change(clean, flicker, holes)
    assert q["gt_change"] == 0 and q["change"] == q["temporal_error"] == 10 and q["pairs"] == 2


def test_evaluate_runs_opn_path(tiny_complete, parity_dir):
    # the fixture's OPN has random weights: this checks the wiring, not the quality
    opn = parity_dir("onion_peel") / "OPN.pth"
    result = evaluate(tiny_complete, "test", opn=opn, baselines=("telea",))
    assert set(result["methods"]) == {"opn", "telea"}
    assert result["methods"]["opn"]["frames"] == result["methods"]["telea"]["frames"] > 0


def test_cli_json_scores_the_embedded_default(tiny_complete):
    import json

    out = subprocess.run([sys.executable, "-m", "tempo", "evaluate", "complete", "--data", str(tiny_complete),
                          "--baselines", "ns", "--json"], check=True, capture_output=True, text=True).stdout
    methods = json.loads(out)["methods"]
    # tempo weights run as `tempo complete` does: propagation first, the OPN on the rest
    assert set(methods) == {"prop+opn", "ns"} and methods["prop+opn"]["frames"] == methods["ns"]["frames"] > 0
    assert methods["prop+opn"]["temporal_error"] >= 0


def test_evaluate_with_a_tempo_checkpoint_and_baselines_only(tiny_complete, tmp_path):
    import torch

    from tempo.models.onion_peel import OPN
    from tempo.models.onion_peel.tempo_weights import save_tempo_opn

    torch.manual_seed(0)
    weights = save_tempo_opn(OPN(width=0.125), tmp_path / "tiny_opn.safetensors")
    result = evaluate(tiny_complete, "test", checkpoint=weights, baselines=())
    assert set(result["methods"]) == {"prop+opn"} and result["methods"]["prop+opn"]["frames"] > 0
    result = evaluate(tiny_complete, "test", checkpoint=weights, baselines=(), propagation=False)
    assert set(result["methods"]) == {"opn"} and result["methods"]["opn"]["frames"] > 0
    assert set(evaluate(tiny_complete, "test", baselines=("ns",), model=False)["methods"]) == {"ns"}
