"""Feature extraction end to end on real encoded video: pooling is right, the cache skips all work."""
import numpy as np
import pytest

from media import make_video
from tempo.features import FeatureConfig, extract_features, feature_pipeline
from tempo.features.base import ClipBackbone, FrameBackbone
from tempo.features.windows import detect_windows
from tempo.io import VideoReader
from tempo.registry import BACKBONES


class _Counted:
    calls = 0
    input_size = 32
    feature_dim = 3

    def weights_id(self):
        return "none"

    def load_model(self):  # no network: mean colour is the "feature"
        raise AssertionError("not used")


@BACKBONES.register_module(force=True)
class MeanColourFrames(_Counted, FrameBackbone):
    """Per-frame mean RGB: cheap and exactly predictable, so pooling can be checked by hand."""

    def forward_frames(self, frames):
        type(self).calls += 1
        return frames.reshape(len(frames), -1, 3).mean(1).astype(np.float32)


@BACKBONES.register_module(force=True)
class MeanColourClips(_Counted, ClipBackbone):
    num_frames = 4

    def forward_clips(self, clips):
        type(self).calls += 1
        return clips.reshape(len(clips), -1, 3).mean(1).astype(np.float32)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("feat") / "clip.mp4", n=45, width=48, height=32, fps=10)


def _frames(video, size=32):
    return VideoReader(video, width=48, height=32).get_frames(range(45))[:, :, 8:40]  # centre crop 32x32


def test_per_frame_pooling_matches_a_direct_computation(video, tmp_path):
    feats, meta = extract_features(video, "MeanColourFrames", cache=tmp_path, num_frames=16, stride=4)
    frames = _frames(video).reshape(45, -1, 3).mean(1)
    plan = detect_windows(45, 10.0, 16, 4)
    expected = np.stack([frames[plan.sampled(i)].mean(0) for i in range(len(plan))])
    assert feats.shape == (len(plan), 3) == ((45 - 16) // 4 + 1, 3)
    np.testing.assert_allclose(feats, expected, rtol=1e-5)
    assert meta["fps"] == 10.0 and meta["feat_stride"] == 4 and meta["num_frames"] == 16
    np.testing.assert_allclose(meta["spans"][2], [0.8, 2.4])
    assert abs(meta["duration"] - 4.5) < 1e-3 and meta["n_frames"] == 45


def test_clip_windows_stream_the_right_frames(video, tmp_path):
    feats, meta = extract_features(video, "MeanColourClips", cache=tmp_path, num_frames=8, stride=4, chunk_size=5)
    frames = _frames(video).reshape(45, -1, 3).mean(1)
    plan = detect_windows(45, 10.0, 8, 4)
    expected = np.stack([frames[plan.clip_positions(i, 4)].mean(0) for i in range(len(plan))])
    np.testing.assert_allclose(feats, expected, rtol=1e-5)


def test_ground_layout_at_fixed_fps(video, tmp_path):
    feats, meta = extract_features(video, "MeanColourFrames", cache=tmp_path, layout="ground", fps=5.0,
                                   clip_len=2.0, frame_step=1)
    assert feats.shape == (3, 3) and meta["clip_len"] == 2.0 and meta["fps"] == 5.0
    np.testing.assert_allclose(meta["spans"], [[0, 2], [2, 4], [4, 4.5]], atol=1e-3)
    frames = _frames(video).reshape(45, -1, 3).mean(1)
    np.testing.assert_allclose(feats[0], frames[0:20:2].mean(0), rtol=1e-5)  # 5 fps = every 2nd frame


def test_second_run_does_no_decoding_and_no_forward(video, tmp_path):
    MeanColourFrames.calls = 0
    first = feature_pipeline("MeanColourFrames", cache=tmp_path, num_frames=8, stride=2)
    a = first.run(video)
    assert first.computed["ExtractFeatures"] == 1 and MeanColourFrames.calls > 0
    calls = MeanColourFrames.calls
    again = feature_pipeline("MeanColourFrames", cache=tmp_path, num_frames=8, stride=2)
    b = again.run(video)
    assert again.computed["ExtractFeatures"] == 0 and MeanColourFrames.calls == calls
    assert again.cache.stats.hits == 1
    np.testing.assert_array_equal(a["features"], b["features"])
    other = feature_pipeline("MeanColourFrames", cache=tmp_path, num_frames=8, stride=4)  # new config: recompute
    other.run(video)
    assert other.computed["ExtractFeatures"] == 1


def test_default_backbone_fp16(video, tmp_path):
    feats, meta = extract_features(video, cache=tmp_path, fp16=True)
    assert feats.dtype == np.float16 and feats.shape == ((45 - 16) // 4 + 1, 1280)
    assert meta["backbone"]["type"] == "EfficientNetLite0" and meta["dtype"] == "float16"
    assert np.isfinite(feats.astype(np.float32)).all()


def test_bad_config_is_refused_before_any_work():
    with pytest.raises(ValueError, match="layout"):
        FeatureConfig(layout="sideways")
    with pytest.raises(ValueError):
        FeatureConfig(stride=0)


def test_stack_concatenates_parts_of_any_kind_over_the_same_windows(video, tmp_path):
    """A per-frame and a clip backbone side by side: each part's own extraction, channels concatenated."""
    kw = dict(num_frames=8, stride=4, use_cache=False)
    frames, _ = extract_features(video, "MeanColourFrames", **kw)
    clips, _ = extract_features(video, "MeanColourClips", **kw)
    stacked, meta = extract_features(video, {"type": "Stack", "backbones": ["MeanColourFrames", "MeanColourClips"]},
                                     cache=tmp_path, **kw)
    np.testing.assert_array_equal(stacked, np.concatenate([frames, clips], axis=1))
    assert meta["feature_dim"] == 6 and meta["backbone"]["type"] == "Stack"
    assert [p["type"] for p in meta["backbone"]["parts"]] == ["MeanColourFrames", "MeanColourClips"]
    assert len(meta["spans"]) == len(stacked)


def test_centered_layout_rows_on_the_stride_grid(video, tmp_path):
    """One row per stride (the tail included), each from the window centred on it, edge frames repeated."""
    from tempo.features.windows import centered_windows

    feats, meta = extract_features(video, "MeanColourClips", cache=tmp_path, layout="centered", num_frames=8,
                                   stride=4, chunk_size=7)
    plan = centered_windows(45, 10.0, 8, 4)
    frames = _frames(video).reshape(45, -1, 3).mean(1)
    expected = np.stack([frames[plan.clip_positions(i, 4)].mean(0) for i in range(len(plan))])
    assert feats.shape == (12, 3) and meta["clip_len"] == 0.4 and meta["layout"] == "centered"
    np.testing.assert_allclose(feats, expected, rtol=1e-5)
    np.testing.assert_allclose(meta["spans"][-1], [4.4, 4.5], atol=1e-6)


@BACKBONES.register_module(force=True)
class MeanColourClipsArea(MeanColourClips):
    area_resize = True


def test_area_resize_backbone_sees_full_frames_shrunk_with_the_area_filter(video, tmp_path):
    """A backbone trained on area-resized frames gets exactly those: decoded at full size, then cv2 INTER_AREA
    (the decoder's own scaler gives other pixels)."""
    from tempo.features.base import prepare_frames

    feats, _ = extract_features(video, "MeanColourClipsArea", cache=tmp_path, num_frames=8, stride=4, size=16,
                                crop=16, chunk_size=5)
    full = VideoReader(video).get_frames(range(45))
    frames = prepare_frames(full, 16, 16).reshape(45, -1, 3).mean(1)
    plan = detect_windows(45, 10.0, 8, 4)
    expected = np.stack([frames[plan.clip_positions(i, 4)].mean(0) for i in range(len(plan))])
    np.testing.assert_allclose(feats, expected, rtol=1e-5)
    scaled, _ = extract_features(video, "MeanColourClips", cache=tmp_path, num_frames=8, stride=4, size=16,
                                 crop=16)
    assert not np.allclose(scaled, feats, rtol=1e-5)  # the decoder's scaler: not the same pixels
