"""`tempo ground` over a folder of real encoded clips: index (cached), rank across clips, export,
skip bad files; `tempo evaluate ground` on a synth split."""
import csv
import json
import shutil

import numpy as np
import pytest

from grounder_tiny import write_tiny_grounder
from media import make_video
from tempo.cli import main

@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return write_tiny_grounder(tmp_path_factory.mktemp("w"))


def test_ground_folder(tmp_path, bundle, capsys, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "my clips"
    folder.mkdir()
    make_video(folder / "a.mp4", n=60, width=96, height=64, fps=10)
    make_video(folder / "b clip.mkv", n=80, width=96, height=64, fps=10, codec="vp9")
    (folder / "broken.mp4").write_text("junk")
    out = tmp_path / "res.csv"
    code = main(["ground", str(folder), "a bright bar moves to the right", "--checkpoint", str(bundle),
                 "--top-k", "4", "-o", str(out), "--json"])
    assert code == 1  # the broken file is reported, the others are searched
    res = json.loads(capsys.readouterr().out)
    assert res["clips"] == 2 and list(res["skipped"]) == [str(folder / "broken.mp4")]
    rows = res["results"]
    assert 1 <= len(rows) <= 4 and [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r["score"] >= s["score"] for r, s in zip(rows, rows[1:]))
    for r in rows:
        duration = 6.0 if r["clip"].endswith("a.mp4") else 8.0
        assert 0 <= r["start"] <= r["end"] <= duration + 1e-6
    assert len(list(csv.DictReader(open(out)))) == len(rows)
    # the features of each clip and the head's output over the folder are cached
    from tempo.pipeline import Cache
    from tempo.tasks.ground import MomentSearch

    entries = {p: p.stat().st_ino for p in Cache().entries()}
    assert sorted(p.parent.parent.name for p in entries) == ["ExtractFeatures", "ExtractFeatures", "RankMoments"]
    # the demo's search reads the same feature entries; another --top-k only re-ranks: nothing is rewritten
    MomentSearch(bundle).index_folder(folder)
    code = main(["ground", str(folder), "a bright bar moves to the right", "--checkpoint", str(bundle),
                 "--top-k", "2", "--json"])
    assert code == 1 and json.loads(capsys.readouterr().out)["results"] == rows[:2]
    assert {p: p.stat().st_ino for p in Cache().entries()} == entries


def test_ground_folder_goes_on_past_any_failing_file(tmp_path, bundle, capsys, monkeypatch):
    """Not only InputError: whatever one file raises is one line naming it, the rest is searched."""
    from tempo.features.stage import ExtractFeatures

    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    make_video(tmp_path / "a.mp4", n=40, width=96, height=64, fps=10)
    make_video(tmp_path / "odd.mp4", n=30, width=96, height=64, fps=10)  # not a.mp4's content: not from the cache
    real = ExtractFeatures.run

    def run(self, context):  # the per-clip feature stage of pipelines/ground.py
        if context["video"].name == "odd.mp4":
            raise ValueError("array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum")
        return real(self, context)

    monkeypatch.setattr(ExtractFeatures, "run", run)
    code = main(["ground", str(tmp_path), "a bright bar", "--checkpoint", str(bundle), "--top-k", "2"])
    out, err = capsys.readouterr()
    assert code == 1 and "a.mp4" in out and "Traceback" not in err
    assert f"skipped: {tmp_path / 'odd.mp4'}: ValueError: array is too big" in err


def test_empty_query_is_usage_error(tmp_path, bundle, capsys):
    make_video(tmp_path / "a.mp4", n=20)
    assert main(["ground", str(tmp_path), "  ", "--checkpoint", str(bundle)]) == 2


def _random_clips(search, n, rng, lengths=(3, 15, 40, 90)):
    """``n`` clips of random 1280-d features (one of ``lengths`` rows each; 90 > 75 = several windows)."""
    names = []
    for i in range(n):
        rows = lengths[i % len(lengths)]
        name = f"/videos/clip_{i:03d}.mp4"
        search.add_clip(name, rng.normal(size=(rows, 1280)).astype(np.float32), rows * 2.0 - 0.5)
        names.append(name)
    return names


def test_batched_search_equals_per_clip(bundle):
    from tempo.models.bam_detr.predict import ground_moments
    from tempo.tasks.ground import MomentSearch

    search = MomentSearch(bundle, device="cpu")
    assert search.prefilter is None  # no .prefilter.safetensors beside this bundle
    clips = _random_clips(search, 21, np.random.default_rng(0))
    query = "a bright bar moves to the right"
    batched = search.search(query, top_k=30)
    text = search.encode_query(query)
    per_clip = []
    for clip in clips:  # one clip per forward, as before batching
        per_clip += [(clip, m["start"], m["end"], m["score"]) for m in ground_moments(
            search.model, search.clips[clip], text, 2.0, top_k=30, duration=search.durations[clip])]
    per_clip = sorted(per_clip, key=lambda m: -m[3])[:30]
    assert len(batched) == len(per_clip) == 30
    for got, want in zip(batched, per_clip):
        assert got.clip == want[0]
        assert got.start == pytest.approx(want[1], abs=1e-4) and got.end == pytest.approx(want[2], abs=1e-4)
        assert got.score == pytest.approx(want[3], abs=1e-5)


@pytest.fixture()
def bundle_with_prefilter(tmp_path, bundle):
    from tempo.tasks.prefilter import prefilter_path, save_projection, train_projection

    for suffix in (".safetensors", ".json"):
        shutil.copy(bundle.with_suffix(suffix), tmp_path / f"g{suffix}")
    rng = np.random.default_rng(1)
    projection = train_projection(rng.normal(size=(64, 1280)), rng.normal(size=(64, 384)), epochs=1)
    save_projection(projection, prefilter_path(tmp_path / "g.safetensors"),
                    {"text_encoder": "MiniLM", "backbone": "EfficientNetLite0", "segment_seconds": 2.0})
    assert (tmp_path / "g.prefilter.safetensors").is_file() and (tmp_path / "g.prefilter.json").is_file()
    return tmp_path / "g.safetensors"


def test_prefilter_beside_checkpoint_narrows_large_folders(bundle_with_prefilter, monkeypatch):
    from tempo.tasks import ground
    from tempo.tasks.ground import MomentSearch

    search = MomentSearch(bundle_with_prefilter, device="cpu", prefilter_candidates=8)
    assert search.prefilter is not None
    clips = _random_clips(search, ground.PREFILTER_MIN_CLIPS + 6, np.random.default_rng(2), lengths=(5, 15))
    index = search._prefilter_index
    assert len(index) == len(clips)  # filled while indexing, once
    ran = []
    real_rank = search._rank
    monkeypatch.setattr(search, "_rank", lambda cands, *a, **k: ran.append(list(cands)) or real_rank(cands, *a, **k))
    moments = search.search("a bright bar moves to the right", top_k=5)
    assert len(ran[-1]) == 8 and {m.clip for m in moments} <= set(ran[-1])
    search.search("something else entirely", top_k=5)
    # one index, not rebuilt per query, nothing added twice
    assert search._prefilter_index is index and len(index) == len(clips)
    assert index._index.ntotal == sum(index._rows[c][1] for c in clips)
    # a folder search only returns clips of that folder, even through the shared index
    folder = clips[: ground.PREFILTER_MIN_CLIPS + 2]
    search.folders["/videos"] = folder
    search.search("a bright bar moves to the right", top_k=5, folder="/videos")
    assert len(ran[-1]) == 8 and set(ran[-1]) <= set(folder)
    # small folders and --prefilter-candidates 0 run the head on every clip
    search.search("a bright bar", top_k=5, clips=clips[:10])
    assert len(ran[-1]) == 10
    search.prefilter_candidates = 0
    search.search("a bright bar", top_k=5)
    assert len(ran[-1]) == len(clips)


def test_prefilter_for_another_text_encoder_is_ignored(bundle_with_prefilter):
    from tempo.tasks.ground import MomentSearch

    info = bundle_with_prefilter.with_name("g.prefilter.json")
    info.write_text(json.dumps({**json.loads(info.read_text()), "text_encoder": "CLIPText"}))
    assert MomentSearch(bundle_with_prefilter, device="cpu").prefilter is None


def test_negative_prefilter_candidates_is_usage_error(tmp_path, bundle):
    assert main(["ground", str(tmp_path), "a query", "--checkpoint", str(bundle), "--prefilter-candidates", "-1"]) == 2


def test_training_export_loads_as_a_checkpoint(tmp_path, bundle):
    """tools/train.py writes final.safetensors + final.json (the bare model config): that pair searches too."""
    import json
    import shutil

    from tempo.tasks.ground import MomentSearch

    cfg = json.loads(bundle.with_suffix(".json").read_text())
    shutil.copy(bundle, tmp_path / "final.safetensors")
    (tmp_path / "final.json").write_text(json.dumps(cfg["model"]))
    search = MomentSearch(tmp_path / "final.safetensors", device="cpu")
    assert search.bundle["model"]["type"] == cfg["model"]["type"]
