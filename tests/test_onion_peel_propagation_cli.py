"""``tempo complete`` with its default pipeline: flow-guided propagation, then the embedded OPN on the rest."""
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from tempo.cli import main
from tempo.io import VideoReader, write_video

pytestmark = pytest.mark.usefixtures("one_torch_thread", "own_cache")

H, W, T = 48, 80, 8


@pytest.fixture(scope="module")
def panning(tmp_path_factory):
    d = tmp_path_factory.mktemp("complete_prop")
    rng = np.random.default_rng(3)
    tex = cv2.GaussianBlur(rng.integers(0, 256, (H, W + 4 * T, 3)).astype(np.uint8), (0, 0), 1.5)
    tex = cv2.normalize(tex, None, 0, 255, cv2.NORM_MINMAX)
    frames = np.stack([tex[:, 4 * t:4 * t + W] for t in range(T)])  # a pan, 4 px per frame
    write_video(d / "in.mkv", frames, 10, codec="ffv1")  # lossless: "unchanged" can be checked exactly
    return d, frames


def test_default_pipeline_propagates_a_moving_box(panning, capsys):
    d, frames = panning
    out = d / "out.mkv"
    # a box moving against the pan: what it hides at frame t is visible in the frames around it
    boxes = [f"{20 + 4 * t},14,16,16@{t}-{t}" for t in range(T)]
    args = ["complete", str(d / "in.mkv"), "--codec", "ffv1", "-o", str(out), "--json"]
    assert main(args + [a for b in boxes for a in ("--box", b)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pipeline"] == "propagation + OPN refinement"
    assert summary["propagated_pixels"] > 0.8 * T * 16 * 16
    got = VideoReader(out).get_frames(range(T))
    hole = np.zeros((T, H, W), bool)
    for t in range(T):
        hole[t, 14:30, 20 + 4 * t:36 + 4 * t] = True
    assert np.array_equal(got[~hole], frames[~hole])
    err = np.abs(got[hole].astype(int) - frames[hole]).mean()
    assert err < 6, err  # Telea or the OPN alone cannot restore random texture; propagation does
    fast = d / "fast.mkv"
    assert main(args[:-3] + ["-o", str(fast), "--json", "--refine", "telea"]
                + [a for b in boxes for a in ("--box", b)]) == 0
    assert json.loads(capsys.readouterr().out)["pipeline"] == "propagation + Telea"
    got = VideoReader(fast).get_frames(range(T))
    assert np.array_equal(got[~hole], frames[~hole])
    assert np.abs(got[hole].astype(int) - frames[hole]).mean() < 6


def test_bad_masks_are_one_line_and_write_nothing(panning, capsys):
    d, _ = panning
    Image.fromarray(np.zeros((H + 4, W), np.uint8)).save(d / "big.png")
    assert main(["complete", str(d / "in.mkv"), "--mask", str(d / "big.png"), "-o", str(d / "a.mkv")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"mask is {W}x{H + 4} but the video is {W}x{H}" in err[0], err
    write_video(d / "short.mkv", np.zeros((T - 2, H, W, 3), np.uint8), 10, codec="ffv1")
    assert main(["complete", str(d / "in.mkv"), "--mask", str(d / "short.mkv"), "-o", str(d / "b.mkv")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{T - 2} mask frames for a video of {T} frames" in err[0], err
    assert not (d / "a.mkv").exists() and not (d / "b.mkv").exists()
    assert not [p for p in d.iterdir() if "partial" in p.name]
