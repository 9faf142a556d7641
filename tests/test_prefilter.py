"""The clip pre-filter learns a video→text projection, ranks the right clip first, restricts a query to a
subset of its clips, pools rows to segments of about the same length whatever the feature rate, and saves."""
import numpy as np
import pytest

from tempo.tasks.prefilter import (ClipPrefilter, l2_rows, load_projection, pooled_segments, prefilter_path,
                                   save_projection, train_projection, window_rows)


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    n_captions, vdim, tdim = 40, 64, 24
    captions = rng.normal(size=(n_captions, tdim))
    mixing = rng.normal(size=(tdim, vdim))
    # each clip shows one caption's event among unrelated segments; video = text @ mixing + noise
    clips = []
    for c in range(n_captions):
        segs = rng.normal(size=(6, vdim)) * 2
        segs[rng.integers(6)] = captions[c] @ mixing + rng.normal(size=vdim) * 0.5
        clips.append(segs)
    # the projection sees L2-normalised rows, as ClipPrefilter gives it
    train_v = l2_rows(np.concatenate([captions @ mixing + rng.normal(size=(n_captions, vdim)) * 0.5
                                      for _ in range(5)]))
    train_t = np.concatenate([captions] * 5)
    return train_projection(train_v, train_t, epochs=80), captions, clips


def test_prefilter_recovers_the_clip_of_each_caption(trained):
    projection, captions, clips = trained
    prefilter = ClipPrefilter(projection)
    for c, segs in enumerate(clips):
        prefilter.add(f"clip{c}", segs)
    hits = sum(prefilter.top_clips(captions[c], k=3)[0] == f"clip{c}" for c in range(len(captions)))
    assert hits >= 0.8 * len(captions)
    assert len(prefilter.top_clips(captions[0], k=5)) == 5


def test_restricted_search_returns_only_clips_of_the_subset(trained):
    projection, captions, clips = trained
    prefilter = ClipPrefilter(projection)
    for c, segs in enumerate(clips):
        prefilter.add(f"clip{c}", segs)
    prefilter.add("clip0", clips[1])  # already indexed: ignored
    assert len(prefilter) == len(clips) and prefilter._index.ntotal == 6 * len(clips)
    subset = {f"clip{c}" for c in range(0, len(clips), 3)} | {"not indexed"}
    for c in (0, 1, 2):
        top = prefilter.top_clips(captions[c], k=5, among=subset)
        assert len(top) == 5 and set(top) <= subset
    assert prefilter.top_clips(captions[0], k=1, among=subset) == ["clip0"]
    assert len(prefilter.top_clips(captions[0], k=100, among=subset)) == len(subset) - 1


def test_segments_are_about_two_seconds_at_any_clip_len():
    rng = np.random.default_rng(0)
    two_s = rng.normal(size=(10, 8))  # 20 s at 2-s rows: one row per segment
    np.testing.assert_allclose(pooled_segments(two_s, 2.0), l2_rows(two_s), atol=1e-6)
    fine = rng.normal(size=(34, 8))  # 20.4 s at 0.6-s rows: 3 rows (1.8 s) per segment, stride 1
    segs = pooled_segments(fine, 0.6)
    assert len(segs) == 32
    np.testing.assert_allclose(segs[5], l2_rows(fine)[5:8].mean(0), atol=1e-6)
    np.testing.assert_allclose(segs[-1], l2_rows(fine)[-3:].mean(0), atol=1e-6)
    assert pooled_segments(fine[:2], 0.6).shape == (1, 8)
    # a window's rows: every row whose span overlaps it, at least one
    np.testing.assert_allclose(window_rows(fine, 0.6, 1.0, 2.5), l2_rows(fine)[1:5].mean(0), atol=1e-6)
    np.testing.assert_allclose(window_rows(two_s, 2.0, 0.5, 0.9), l2_rows(two_s)[0], atol=1e-6)


def test_save_and_load_beside_the_checkpoint(tmp_path, trained):
    projection = trained[0]
    path = prefilter_path(tmp_path / "model.safetensors")
    assert path.name == "model.prefilter.safetensors"
    assert prefilter_path(tmp_path / "model.ckpt").name == "model.prefilter.safetensors"
    save_projection(projection, path, {"text_encoder": "MiniLM", "segment_seconds": 2.0})
    loaded, meta = load_projection(path)
    assert meta["video_dim"] == 64 and meta["text_dim"] == 24 and meta["text_encoder"] == "MiniLM"
    x = np.random.default_rng(0).normal(size=(5, 64))
    np.testing.assert_allclose(loaded.embed(x), projection.embed(x), atol=1e-6)
