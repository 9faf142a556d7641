"""The shipped TextClipNet reads the query (issue #18 item 3), on a scene of a seed it never trained on:
different queries peak at different moments, each at its own ground truth; a query's ground-truth moment scores
higher under it than under another query; nonsense scores below every real query. Frames are rendered from the
scene plan (the same pixels `tempo synth` encodes), so the test needs no video file and is deterministic."""
from pathlib import Path

import numpy as np
import pytest

from tempo.data.synth.seeding import jobs_for, rng_for, scene_plan
from tempo.data.synth.writers.ground import queries_of
from tempo.features.text_clipnet import TextClipNet, TextClipText
from tempo.models.text_clipnet.dataset import clip_positions
from tempo.models.text_clipnet.frames import render_video

NONSENSE = ["a purple banana sings opera", "qwerty zxcv", "the stock market closes higher"]


@pytest.fixture(scope="module")
def scene():
    backbone, text = TextClipNet(), TextClipText()  # the bundled weights
    job = [j for j in jobs_for("ground", "small", 1, "-") if j.split == "test"][0]
    plan = scene_plan(job)
    frames = render_video(plan, backbone.input_size)
    cfg = backbone.config
    n = (len(frames) - cfg["window_frames"]) // cfg["stride"] + 1
    clips = np.stack([frames[clip_positions(w * cfg["stride"], cfg["window_frames"], cfg["clip_frames"])]
                      for w in range(n)])
    centres = (np.arange(n) * cfg["stride"] + cfg["window_frames"] / 2) / plan.fps
    queries = queries_of(plan, rng_for(job, "caption"))
    texts = [q["query"] for q in queries] + NONSENSE
    prob = text.match_probability(backbone.forward_clips(clips), text.encode(texts)).T  # (texts, rows)
    return queries, prob, centres


def inside(t, windows) -> bool:
    return any(s <= t <= e for s, e in windows)


def test_each_query_peaks_inside_its_own_ground_truth(scene):
    queries, prob, centres = scene
    assert len(queries) >= 3
    peaks = [centres[int(np.argmax(p))] for p in prob[:len(queries)]]
    assert all(inside(t, q["windows"]) for t, q in zip(peaks, queries))
    assert len({round(t, 1) for t in peaks}) == len(peaks)  # different queries, different moments


def test_ground_truth_moment_scores_higher_under_its_own_query(scene):
    queries, prob, centres = scene
    for a, qa in enumerate(queries):
        rows = [i for i, t in enumerate(centres) if inside(t, qa["windows"])]
        for b, qb in enumerate(queries):
            if b != a and not any(inside(centres[i], qb["windows"]) for i in rows):
                assert prob[a, rows].mean() > prob[b, rows].mean()


def test_nonsense_scores_below_every_real_query(scene):
    queries, prob, _ = scene
    real = prob[:len(queries)].max(1)
    nonsense = prob[len(queries):].max(1)
    assert nonsense.max() < real.min()


def test_textclip_head_searches_an_encoded_video_by_its_queries(tmp_path, monkeypatch):
    """`tempo ground --head textclip` end to end on the H.264 file `tempo synth` writes for that scene: decoded,
    featurised through the cache, each query's top moment overlaps its ground truth, nonsense ranks last."""
    from tempo.data.synth.writers.scene_video import write_scene_video
    from tempo.tasks.text_search import make_search

    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    job = [j for j in jobs_for("ground", "small", 1, "-") if j.split == "test"][0]
    job = type(job)(job.task, job.preset, job.seed, job.split, job.index, str(tmp_path))
    plan, video = write_scene_video(job)
    search = make_search("textclip")
    report = search.index_folder(video.parent)
    assert report.clips == [str(video)] and not report.skipped
    queries = queries_of(plan, rng_for(job, "caption"))
    best = {}
    for q in queries + [{"query": n} for n in NONSENSE]:
        top = search.search(q["query"], top_k=1)[0]
        best[q["query"]] = top.score
        if "windows" in q:
            assert any(top.start < e and s < top.end for s, e in q["windows"]), (q["query"], top)
    assert max(best[n] for n in NONSENSE) < min(best[q["query"]] for q in queries)

    # the demo on the same engine: a search table and the per-row score timeline of the top clip
    from tempo.ui.service import DemoService

    service = DemoService(tmp_path, search_head="textclip")
    try:
        rows, status, thumbs = service.search("videos", queries[0]["query"], top_k=3)
        assert rows and rows[0][1] == f"videos/{video.name}" and "moments for" in status
        player, timeline = service.select(rows[0][1], rows[0][2], queries[0]["query"])
        assert "<video" in player and timeline is not None and Path(timeline).is_file()
    finally:
        service.scratch.cleanup()
