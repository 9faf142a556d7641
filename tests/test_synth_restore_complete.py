"""`restore` writes clean/degraded pairs with the degradations recorded; `complete` writes videos with
lossless per-frame hole masks that match the recorded mask kind."""
import json

import numpy as np
import pytest

from tempo.data.synth import Preset, generate
from tempo.data.synth import degrade
from tempo.data.synth.masks import HoleMask
from tempo.data.synth.seeding import Job, rng_for
from tempo.data.synth.timeline import SceneSpec
from tempo.io import VideoReader

SPEC = SceneSpec(96, 64, 10, (1.5, 1.5), objects=(1, 3), noise_sigma=(0.0, 0.0), max_instance=1.5, gap=(0.1, 0.5))


def psnr(a, b):
    mse = np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2)
    return 10 * np.log10(255**2 / max(mse, 1e-9))


def test_restore_pairs_and_recorded_parameters(tmp_path):
    preset = Preset("t", {"train": 5, "val": 1, "test": 1}, SPEC, crf=10)
    (path,) = generate("restore", preset, seed=4, out_dir=tmp_path, workers=2)
    clips = json.loads(path.read_text())["clips"]
    assert len(clips) == 7
    for vid, c in clips.items():
        clean = VideoReader(tmp_path / c["clean"]).get_frames(range(c["num_frames"]))
        bad = VideoReader(tmp_path / c["degraded"]).get_frames(range(c["num_frames"]))
        assert clean.shape == bad.shape == (c["num_frames"], 64, 96, 3)
        assert c["kind"] in degrade.KINDS and c["degradations"]
        assert all(op["type"] in degrade.KINDS for op in c["degradations"])
        assert c["degraded_crf"] == degrade.output_crf(c["degradations"])
        # the same chain, drawn again from the clip's seed, is the recorded one
        split = {"training": "train", "validation": "val", "testing": "test"}[c["subset"]]
        kind, ops = degrade.sample_chain(rng_for(Job("restore", preset, 4, split, int(vid[-4:]), ""), "degrade"))
        assert (kind, ops) == (c["kind"], c["degradations"])
        assert psnr(clean, bad) < 40  # degraded is visibly worse than clean


def test_each_degradation_degrades():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:96]
    frame = np.stack([(xx * 2) % 256, (yy * 4) % 256, ((xx // 8 + yy // 8) % 2) * 200 + 20], -1).astype(np.uint8)
    for op in [{"type": "gaussian_noise", "sigma": 10.0}, {"type": "poisson_noise", "peak": 20.0},
               {"type": "blur", "sigma": 1.5}, {"type": "downscale", "factor": 3, "down": "area", "up": "bicubic"},
               {"type": "jpeg", "quality": 15}]:
        out = degrade.apply(frame, [op], rng)
        assert out.shape == frame.shape and out.dtype == np.uint8
        assert 15 < psnr(frame, out) < 40, op
    assert degrade.apply(frame, [{"type": "h264", "crf": 40}], rng).tobytes() == frame.tobytes()  # done by encoding


@pytest.mark.parametrize("kind", ["static_blobs", "moving_silhouette", "strokes"])
def test_hole_masks(kind):
    m = HoleMask(np.random.default_rng(1), 96, 64, 10, kind)
    frames = [m(i) for i in range(0, 20, 5)]
    assert all(set(np.unique(f)) <= {0, 255} and (f > 0).any() for f in frames)
    if kind == "static_blobs":
        assert all((f == frames[0]).all() for f in frames)
    if kind == "moving_silhouette":
        assert not (frames[0] == frames[-1]).all()


def test_complete_videos_with_lossless_masks(tmp_path):
    preset = Preset("t", {"train": 4, "val": 1, "test": 1}, SPEC, crf=12)
    (path,) = generate("complete", preset, seed=9, out_dir=tmp_path, workers=2)
    clips = json.loads(path.read_text())["clips"]
    kinds = set()
    for vid, c in clips.items():
        frames = VideoReader(tmp_path / c["video"]).get_frames(range(c["num_frames"]))
        masks = VideoReader(tmp_path / c["mask"]).get_frames(range(c["num_frames"]))[..., 0]
        assert frames.shape[:3] == masks.shape == (c["num_frames"], 64, 96)
        split = {"training": "train", "validation": "val", "testing": "test"}[c["subset"]]
        holes = HoleMask(rng_for(Job("complete", preset, 9, split, int(vid[-4:]), ""), "mask"), 96, 64, 10)
        assert holes.params == c["holes"]
        for i in range(c["num_frames"]):
            assert (masks[i] == holes(i)).all()  # decoded exactly: lossless
        assert abs((masks > 0).mean() - c["hole_fraction"]) < 1e-3
        kinds.add(c["holes"]["kind"])
    assert len(kinds) >= 2
