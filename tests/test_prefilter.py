"""The clip pre-filter learns a video→text projection and ranks the right clip first."""
import numpy as np

from tempo.tasks.prefilter import ClipPrefilter, train_projection


def test_prefilter_recovers_the_clip_of_each_caption():
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
    train_v = np.concatenate([captions @ mixing + rng.normal(size=(n_captions, vdim)) * 0.5 for _ in range(5)])
    train_t = np.concatenate([captions] * 5)
    prefilter = ClipPrefilter(train_projection(train_v, train_t, epochs=80))
    for c, segs in enumerate(clips):
        prefilter.add(f"clip{c}", segs)
    hits = sum(prefilter.top_clips(captions[c], k=3)[0] == f"clip{c}" for c in range(n_captions))
    assert hits >= 0.8 * n_captions
    assert len(prefilter.top_clips(captions[0], k=5)) == 5
