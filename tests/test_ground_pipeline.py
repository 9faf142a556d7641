"""`tempo ground` is `tempo run pipelines/ground.py` (issue #20): on a folder of real encoded clips and the embedded
default grounder, both give byte-identical files, the head's output over the folder is cached (another top_k only
re-ranks), a bad clip is skipped, and --dry-run shows the per-video and folder stages."""
import json

import pytest

from media import make_video
from tempo.cli import main
from tempo.pipeline.overrides import parse_value

pytestmark = pytest.mark.usefixtures("one_torch_thread")
QUERY = "the small red square spins"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    clips = tmp_path_factory.mktemp("clips")
    make_video(clips / "a.mp4", n=30, width=64, height=48, fps=10)
    make_video(clips / "b clip.mp4", n=45, width=64, height=48, fps=10)  # a space: paths are not mangled
    (clips / "broken.mp4").write_bytes(b"not a video")
    return clips


def _folder_stages(out: str) -> dict:
    return {s["stage"]: s["status"] for s in json.loads(out)["folder"]["stages"]}


def test_ground_command_is_the_ground_pipeline(tmp_path, folder, monkeypatch, capsys):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_a"))
    a = tmp_path / "a"
    a.mkdir()
    for suffix in ("json", "csv"):
        assert main(["ground", str(folder), QUERY, "--top-k", "3", "-o", str(a / f"moments.{suffix}")]) == 1
    err = capsys.readouterr().err
    assert f"skipped: {folder / 'broken.mp4'}: not a video file" in err  # one line naming the file, then it goes on
    run = ["run", "pipelines/ground.py", str(folder), "-o", str(tmp_path / "b"), "--json", "--cfg-options",
           f"query={QUERY}", "MomentPost.top_k=3"]
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_b"))  # computed again, not read from a cache
    assert main(run) == 1
    res = json.loads(capsys.readouterr().out)
    assert list(res["failed"]) == [str(folder / "broken.mp4")] and len(res["results"]) == 2
    assert _folder_stages(json.dumps(res))["RankMoments"] == "computed"
    for suffix in ("json", "csv"):
        assert (tmp_path / "b" / f"moments.{suffix}").read_bytes() == (a / f"moments.{suffix}").read_bytes()
    rows = json.loads((a / "moments.json").read_text())
    assert len(rows) == 3 and {r["query"] for r in rows} == {QUERY} and [r["rank"] for r in rows] == [1, 2, 3]
    assert {r["clip"] for r in rows} <= {str(folder / "a.mp4"), str(folder / "b clip.mp4")}
    # the command's cache entries are the config's: the same keys
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache_a"))
    assert main(run) == 1
    res = json.loads(capsys.readouterr().out)
    assert "ExtractFeatures" not in res["computed"] and "RankMoments" not in res["computed"]


def test_ground_equals_the_library_search(folder, own_cache, capsys):
    """What the demo calls (MomentSearch over an indexed folder) and the pipeline rank the same moments."""
    from tempo.tasks.ground import MomentSearch

    assert main(["ground", str(folder), QUERY, "--top-k", "4", "--json"]) == 1
    res = json.loads(capsys.readouterr().out)
    assert res["clips"] == 2 and list(res["skipped"]) == [str(folder / "broken.mp4")]
    search = MomentSearch()
    search.index_folder(folder)
    assert res["results"] == [{"query": QUERY, "rank": r, **m.to_dict()}
                              for r, m in enumerate(search.search(QUERY, top_k=4, folder=folder), 1)]


def test_another_top_k_reranks_from_the_cached_head_output(tmp_path, folder, own_cache, capsys):
    run = ["run", "pipelines/ground.py", str(folder), "--json", "--cfg-options", f"query={QUERY}"]
    assert main(run + ["MomentPost.top_k=5"]) == 1
    first = json.loads(capsys.readouterr().out)
    assert _folder_stages(json.dumps(first)) == {"RankMoments": "computed", "MomentPost": "computed",
                                                 "ExportRanked": "computed"}
    assert main(run + ["MomentPost.top_k=2"]) == 1
    second = json.loads(capsys.readouterr().out)
    assert second["computed"] == {"MomentPost": 1, "ExportRanked": 1}  # no features, no head
    assert second["folder"]["moments"] == first["folder"]["moments"][:2]
    # another query is another head output
    assert main(run[:-1] + ["query=a blue circle grows"]) == 1
    assert json.loads(capsys.readouterr().out)["computed"]["RankMoments"] == 1


def test_dry_run_shows_the_video_and_folder_stages(folder, own_cache, capsys):
    argv = ["run", "pipelines/ground.py", str(folder / "a.mp4"), "--cfg-options", f"query={QUERY}", "--dry-run"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "ExtractFeatures => [folder] RankMoments -> MomentPost -> ExportRanked"
    assert "RankMoments" in text and "to compute" in text
    assert main(argv[:-1] + ["--json"]) == 0  # run it: the plan then says every cacheable stage is cached
    capsys.readouterr()
    assert main(argv + ["--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(r["stage"], r["cached"]) for r in plan["folder_plan"]] == [
        ("RankMoments", True), ("MomentPost", None), ("ExportRanked", None)]
    assert plan["plans"][str(folder / "a.mp4")][0]["cached"] is True


def test_query_file_and_several_queries(tmp_path, folder, own_cache, capsys):
    queries = tmp_path / "q.txt"
    queries.write_text(f"{QUERY}\n\na blue circle grows\n")
    assert main(["ground", str(folder), "--query-file", str(queries), "--top-k", "2", "--json"]) == 1
    by_file = json.loads(capsys.readouterr().out)["results"]
    assert [(r["query"], r["rank"]) for r in by_file] == [(QUERY, 1), (QUERY, 2), ("a blue circle grows", 1),
                                                           ("a blue circle grows", 2)]
    assert main(["run", "pipelines/ground.py", str(folder), "--json", "--cfg-options",
                 f"query=[{QUERY}, a blue circle grows]", "MomentPost.top_k=2"]) == 1
    assert json.loads(capsys.readouterr().out)["folder"]["moments"] == by_file
    assert main(["ground", str(folder), "--query-file", str(tmp_path / "none.txt")]) == 1  # one line, no work
    assert "none.txt: query file not found" in capsys.readouterr().err


def test_one_video_is_searched_too(folder, own_cache, capsys):
    assert main(["ground", str(folder / "a.mp4"), QUERY, "--top-k", "1", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["clip"] == str(folder / "a.mp4") and 0 <= row["start"] <= row["end"] <= 3.0 + 1e-6


def test_a_folder_of_only_bad_files_is_one_line(tmp_path, own_cache, capsys):
    (tmp_path / "x.mp4").write_bytes(b"junk")
    assert main(["ground", str(tmp_path), QUERY, "-o", str(tmp_path / "r.json")]) == 1
    assert "no readable video clips to search" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("value, parsed", [
    ("the red square spins", "the red square spins"),  # mmengine alone gives "theredsquarespins"
    ("'a dog, running'", "a dog, running"),
    ("[a red square, a blue circle]", ["a red square", "a blue circle"]),
    ("[10, 10,16,16]", [10, 10, 16, 16]),
    ("0.3", 0.3), ("None", None), ("true", True),
])
def test_cfg_option_values_keep_their_spaces(value, parsed):
    assert parse_value(value) == parsed


def _grounder(folder, seed):
    from grounder_tiny import write_tiny_grounder

    return write_tiny_grounder(folder, seed)


def test_head_output_key_is_the_weights_content_not_the_device(tmp_path, folder, own_cache, capsys):
    import numpy as np

    from tempo.tasks.prefilter import prefilter_path, save_projection, train_projection

    weights = _grounder(tmp_path, seed=0)
    run = ["run", "pipelines/ground.py", str(folder), "--json", "--cfg-options", f"grounder.checkpoint={weights}"]

    def computed(*extra):
        assert main(run + list(extra)) == 1
        return json.loads(capsys.readouterr().out)["computed"]

    assert computed()["RankMoments"] == 1
    assert "RankMoments" not in computed("grounder.device=cpu")  # the device does not split the cache
    _grounder(tmp_path, seed=1)  # same path, other weights: the head runs again on the cached features
    assert {k: v for k, v in computed().items() if k in ("ExtractFeatures", "RankMoments")} == {"RankMoments": 1}
    rng = np.random.default_rng(1)  # a pre-filter appears beside the weights: it may pick other clips
    save_projection(train_projection(rng.normal(size=(16, 1280)), rng.normal(size=(16, 384)), epochs=1),
                    prefilter_path(weights), {"text_encoder": "MiniLM", "backbone": "EfficientNetLite0"})
    assert computed()["RankMoments"] == 1


def test_textclip_head_through_the_pipeline(folder, own_cache, capsys):
    """--head textclip: the same moments as its library search; another run threshold only re-runs MomentPost."""
    from tempo.tasks.text_search import make_search

    assert main(["ground", str(folder), QUERY, "--head", "textclip", "--top-k", "3", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)["results"]
    search = make_search("textclip")
    search.index_folder(folder)
    assert rows == [{"query": QUERY, "rank": r, **m.to_dict()}
                    for r, m in enumerate(search.search(QUERY, top_k=3, folder=folder), 1)]
    run = ["run", "pipelines/ground.py", str(folder), "--json", "--cfg-options", f"query={QUERY}",
           "grounder.head=textclip", "MomentPost.top_k=3"]
    assert main(run + ["MomentPost.threshold=0.99"]) == 1
    res = json.loads(capsys.readouterr().out)
    assert res["computed"] == {"MomentPost": 1, "ExportRanked": 1}
    search.threshold = 0.99
    assert res["folder"]["moments"] == [{"query": QUERY, "rank": r, **m.to_dict()}
                                        for r, m in enumerate(search.search(QUERY, top_k=3, folder=folder), 1)]
