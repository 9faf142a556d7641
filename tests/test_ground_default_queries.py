"""The shipped grounder reads the query (issue #18 item 3): BAM-DETR on TextClipNet rows, on a scene of a seed it
never trained on. Different queries give different top moments, each overlapping its own ground truth; a query's
ground-truth moment scores higher under it than under another query; nonsense scores below every real query.
Rows come from frames rendered from the scene plan (the pixels `tempo synth` encodes, through the same window plan
as extraction from a video), so the test needs no video file and is deterministic."""
import numpy as np
import pytest

from tempo.data.synth.seeding import jobs_for, rng_for, scene_plan
from tempo.data.synth.writers.ground import queries_of
from tempo.features.object_slots import ObjectSlots
from tempo.features.text_clipnet import TextClipNet, TextClipText, centered_rows
from tempo.models.object_match.slots import video_slot_rows
from tempo.models.text_clipnet.frames import render_video
from tempo.tasks.ground import MomentSearch

NONSENSE = ["a purple banana sings opera", "qwerty zxcv", "the stock market closes higher"]
SCENE = 0  # seed 1 test scene (seed 1 is never trained on)


def overlaps(moment, windows) -> bool:
    return any(moment.start < e and s < moment.end for s, e in windows)


def default_rows(search, plan) -> np.ndarray:
    """The rows the default indexes: TextClipNet's, then (with the object stage) the object slots of
    full-size frames."""
    backbone = TextClipNet()
    rows = centered_rows(backbone, render_video(plan, backbone.input_size), plan.fps)
    if search.object_match is None:
        return rows
    slots = ObjectSlots()
    frames = render_video(plan, slots.input_size)
    return np.concatenate([rows, video_slot_rows(slots.model["segmenter"], slots.model["recogniser"], frames,
                                                 plan.fps)], 1)


@pytest.fixture(scope="module")
def scene():
    search = MomentSearch()  # the embedded default
    job = [j for j in jobs_for("ground", "small", 1, "-") if j.split == "test"][SCENE]
    plan = scene_plan(job)
    search.add_clip("scene", default_rows(search, plan), plan.duration)
    return search, queries_of(plan, rng_for(job, "caption"))


def test_the_default_reads_text_aligned_rows_and_the_aligned_query_token():
    search = MomentSearch()
    backbone = search.video_cfg["backbone"]
    if isinstance(backbone, dict):  # the object stage's slots stacked after the embedding
        assert backbone == {"type": "Stack", "backbones": ["TextClipNet", "ObjectSlots"]} and search.object_match
        backbone = backbone["backbones"][0]
    assert backbone == "TextClipNet" and search.video_cfg["layout"] == "centered"
    assert search.video_cfg["clip_len"] <= 0.5  # sub-second rows
    tokens = search.encode_query("the red square spins")
    assert tokens.shape[1] == search.model.bam.input_txt_proj[0].LayerNorm.normalized_shape[0]


def test_queries_give_different_top_moments_each_on_its_own_ground_truth(scene):
    search, queries = scene
    assert len(queries) >= 3
    tops = [search.search(q["query"], top_k=1)[0] for q in queries]
    hits = [overlaps(t, q["windows"]) for t, q in zip(tops, queries)]
    assert all(hits), [(q["query"], q["windows"], (t.start, t.end)) for t, q in zip(tops, queries)]
    assert len({(round(t.start, 1), round(t.end, 1)) for t in tops}) == len(tops)


def test_ground_truth_moment_scores_higher_under_its_own_query(scene):
    search, queries = scene
    timelines = {q["query"]: search.clip_scores("scene", q["query"]) for q in queries}
    for qa in queries:
        t, score_a = timelines[qa["query"]]
        rows = np.array([any(s <= x <= e for s, e in qa["windows"]) for x in t])
        for qb in queries:
            if qb is qa or any(any(s <= x <= e for s, e in qb["windows"]) for x in t[rows]):
                continue
            assert score_a[rows].mean() > timelines[qb["query"]][1][rows].mean(), (qa["query"], qb["query"])


def test_nonsense_scores_below_every_real_query(scene):
    search, queries = scene
    real = [search.search(q["query"], top_k=1)[0].score for q in queries]
    nonsense = [search.search(n, top_k=1)[0].score for n in NONSENSE]
    assert max(nonsense) < min(real)


def test_query_tokens_put_the_aligned_sentence_first_in_its_own_channels():
    text = TextClipText()
    (tokens,) = text.encode_query_tokens(["the big blue circle jumps"])
    words = text.minilm.feature_dim
    np.testing.assert_allclose(tokens[0, words:], text.encode(["the big blue circle jumps"])[0], atol=1e-6)
    assert not tokens[0, :words].any() and not tokens[1:, words:].any() and tokens[1:, :words].any()


def slot_for(parse: np.ndarray, action: str | None = None) -> np.ndarray:
    """One object slot that is what the parsed query describes (its most likely value of each factor it names) doing
    its named action, or ``action`` instead."""
    from tempo.models.object_match.labels import FACTORS, HEADS, SLOT_DIM, slot_slices

    slot, where, start = np.zeros(SLOT_DIM, np.float32), slot_slices(), 0
    slot[0] = 1.0
    for name, values in FACTORS.items():
        q = parse[start:start + len(values) + 1]
        slot[where[name].start + int(np.argmax(q[:len(values)]))] = 1.0  # "not said" matches whatever is set
        start += len(values) + 1
    named = int(np.argmax(parse[start:start + len(HEADS["action"])]))
    slot[where["action"].start + (HEADS["action"].index(action) if action else named)] = 1.0
    return slot


def prefilter_clips(search, query: str, special: dict) -> list:
    """80 clips of 40 unrelated rows (random unit embeddings, no objects) but for ``special``: clip -> (row, embedding
    or None, slot or None) written into that row."""
    from tempo.models.object_match.slots import SLOTS_DIM

    dims = search.object_match.aligned_dims
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(80, 40, dims)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=-1, keepdims=True)
    rows = np.concatenate([emb, np.zeros((80, 40, SLOTS_DIM), np.float32)], -1)
    for clip, (row, embedding, slot) in special.items():
        if embedding is not None:
            rows[clip, row, :dims] = embedding
        if slot is not None:
            rows[clip, row, dims:dims + len(slot)] = slot
    for i, clip_rows in enumerate(rows):
        search.add_clip(f"clip{i:02d}", clip_rows, 40 * search.video_cfg["clip_len"])
    assert search.prefilter_info["aligned"] and len(search._prefilter_index) == 80
    return search.prefilter_ranking(query, list(search.clips), 80)


def test_folder_prefilter_ranks_clips_by_their_best_aligned_row():
    """No learned projection for aligned rows: the clip holding the one row that matches the query comes first."""
    query = "the small red star spins"
    search = MomentSearch()
    ranking = prefilter_clips(search, query, {37: (12, TextClipText().encode([query])[0], None)})
    assert ranking[0] == "clip37"


def test_folder_prefilter_reads_the_query_object_match():
    """With the object stage, a clip where an object as described does the named action outranks clips of unrelated
    rows, and the same object doing another action; with the match column's weight at 0 it would not stand out."""
    query = "the small red star moves to the left"
    search = MomentSearch()
    parse = search.object_match.parse(query)
    ranking = prefilter_clips(search, query, {50: (7, None, slot_for(parse)), 20: (3, None, slot_for(parse, "grow"))})
    assert ranking[0] == "clip50" and ranking.index("clip50") < ranking.index("clip20")
    search._prefilter_index.match_weight = 0.0
    assert search.prefilter_ranking(query, list(search.clips), 80).index("clip50") > 10


def test_long_clip_is_searched_past_the_first_window(scene):
    """A clip three times the scene (285 rows, more than one 128-row head window): the query's moment is found in
    every repetition, the last one included (overlapping windows, moments in clip time)."""
    search, queries = scene
    rows = search.clips["scene"]
    n = len(rows)
    long = MomentSearch()
    long.add_clip("long", np.concatenate([rows] * 3), 3 * n * long.video_cfg["clip_len"])
    assert 3 * n > long.window_clips
    q = queries[0]
    found = long.search(q["query"], top_k=10)
    for k in range(3):
        shifted = [[s + k * n * long.video_cfg["clip_len"], e + k * n * long.video_cfg["clip_len"]]
                   for s, e in q["windows"]]
        assert any(overlaps(m, shifted) for m in found), (k, shifted, [(m.start, m.end) for m in found])
    assert max(m.end for m in found) <= 3 * n * long.video_cfg["clip_len"] + 1e-6
