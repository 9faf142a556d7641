"""Long-video grounding: overlapping full windows, moments merged and mapped back to seconds."""
import numpy as np
import pytest
import torch

from tempo.models.bam_detr import BAMDETR, ground_moments
from tempo.models.bam_detr.predict import window_starts


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = BAMDETR(v_feat_dim=16 + 2, t_feat_dim=8, dim_feedforward=32, enc_layers=1, num_queries=5)
    with torch.no_grad():  # non-zero span heads so moments differ between windows
        for heads in m.span_embed:
            for head in heads:
                head.layers[-1].weight.normal_(0, 0.05)
    return m.eval()


def test_window_starts_cover_and_stay_full():
    assert window_starts(50, 75, 0.5) == [0]
    starts = window_starts(400, 75, 0.5)
    assert starts[0] == 0 and starts[-1] == 400 - 75
    assert all(b - a <= 38 for a, b in zip(starts, starts[1:]))


def test_long_video_moments_span_the_whole_video(model):
    rng = np.random.default_rng(0)
    video, text = rng.normal(size=(500, 16)), rng.normal(size=(4, 8))
    moments = ground_moments(model, video, text, clip_len=2.0, top_k=50, window_clips=75)
    assert 1 <= len(moments) <= 50
    scores = [m["score"] for m in moments]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= m["start"] <= m["end"] <= 1000.0 for m in moments)
    assert max(m["end"] for m in moments) > 300  # beyond QVHighlights' 150 s limit


def test_short_video_equals_single_forward(model):
    rng = np.random.default_rng(1)
    video, text = rng.normal(size=(30, 16)).astype(np.float32), rng.normal(size=8).astype(np.float32)
    moments = ground_moments(model, video, text, clip_len=2.0, top_k=1, nms_thd=1.0)
    from tempo.data.grounding_dataset import l2_normalize, tef

    vid = torch.cat([torch.from_numpy(l2_normalize(video)), tef(30)], 1)[None]
    txt = torch.from_numpy(l2_normalize(text.reshape(1, -1)))[None]
    with torch.no_grad():
        out = model(txt, torch.ones(1, 1), vid, torch.ones(1, 30))
    best = int(out["pred_quality"][0, :, 0].argmax())
    c, w = out["pred_spans"][0, best].tolist()
    assert moments[0]["score"] == pytest.approx(float(out["pred_quality"][0, best, 0]))
    assert moments[0]["start"] == pytest.approx(min(max(c - w / 2, 0), 1) * 60, abs=1e-4)
    assert moments[0]["end"] == pytest.approx(min(max(c + w / 2, 0), 1) * 60, abs=1e-4)


def test_wrong_feature_dim_is_rejected(model):
    with pytest.raises(ValueError):
        ground_moments(model, np.zeros((10, 5)), np.zeros((2, 8)), clip_len=2.0)


def test_many_videos_batched_equal_one_at_a_time(model):
    """Windows of different videos share a forward (grouped by length): the same moments as one by one."""
    from tempo.models.bam_detr.predict import ground_many

    rng = np.random.default_rng(2)
    videos = [rng.normal(size=(n, 16)).astype(np.float32) for n in (30, 7, 160, 75, 1, 52)]
    text = rng.normal(size=(4, 8)).astype(np.float32)
    durations = [len(v) * 2.0 - 0.3 for v in videos]
    batched = ground_many(model, videos, text, clip_len=2.0, top_k=8, batch_size=4, durations=durations)
    assert len(batched) == len(videos)
    for video, duration, got in zip(videos, durations, batched):
        want = ground_moments(model, video, text, clip_len=2.0, top_k=8, duration=duration)
        assert len(got) == len(want) >= 1
        for g, w in zip(got, want):
            assert g["score"] == pytest.approx(w["score"], abs=1e-5)
            assert g["start"] == pytest.approx(w["start"], abs=1e-4) and g["end"] == pytest.approx(w["end"], abs=1e-4)
    assert ground_many(model, [np.zeros((0, 16)), videos[0]], text, clip_len=2.0)[0] == []
