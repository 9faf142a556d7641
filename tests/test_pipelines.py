"""Heads as cached stages: `tempo detect` is `tempo run pipelines/detect.py`, a changed threshold reruns only
post-processing, a changed checkpoint only the stages that read it, file outputs are cached as files, and the
detect -> clips -> highlight reel chain works end to end on real encoded video."""
import json
import shutil

import pytest
import torch

from media import make_video
from tempo.cli import main
from tempo.cli.pipelines import build
from tempo.models.tridet import TriDet, save_tempo_checkpoint
from tempo.pipeline import Cache, Pipeline, Stage
from tempo.pipeline.files import FileOutput

MODEL = dict(type="TriDet", input_dim=1280, num_classes=3, max_seq_len=32, embd_dim=32, fpn_dim=32, head_dim=16,
             sgp_mlp_dim=16, max_buffer_len_factor=2.0,
             test_cfg=dict(pre_nms_topk=200, max_seg_num=20, min_score=0.001))


def _bundle(folder, seed=0):
    torch.manual_seed(seed)
    model = TriDet(**{k: v for k, v in MODEL.items() if k != "type"})
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    folder.mkdir(parents=True, exist_ok=True)
    path = save_tempo_checkpoint(model, folder / "tiny.safetensors", MODEL)
    path.with_suffix(".json").write_text(json.dumps({
        "model": MODEL, "classes": ["jump", "spin", "wave"],
        "features": {"backbone": "EfficientNetLite0", "layout": "detect", "fps": 10.0, "num_frames": 8, "stride": 4}}))
    return path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return _bundle(tmp_path_factory.mktemp("w"))


@pytest.fixture
def video(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    return make_video(tmp_path / "clip.mp4", n=60, width=96, height=64, fps=20)


def _statuses(pipeline, video):
    return {r["stage"]: r["status"] for r in pipeline.report if r["video"] == str(video)}


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_detect_command_and_run_config_give_identical_files(tmp_path, bundle, video, capsys):
    assert main(["detect", str(video), "--checkpoint", str(bundle), "-o", str(tmp_path / "a"), "--min-score", "0"]) == 0
    assert main(["run", "pipelines/detect.py", str(video), "-o", str(tmp_path / "b"), "--cfg-options",
                 f"detector.checkpoint={bundle}", "DetectionPost.min_score=0"]) == 0
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == ["clip.csv", "clip.json", "clip.png", "clip.srt", "clip.vtt"] and a == b
    assert json.loads(a["clip.json"])["detections"]


def test_changed_threshold_reruns_only_post_processing(bundle, video):
    opts = {"detector.checkpoint": str(bundle)}
    first = build("detect", {**opts, "DetectionPost.min_score": 0.0})
    all_dets = first.run(video)["detections"]
    assert set(_statuses(first, video).values()) == {"computed"}
    second = build("detect", {**opts, "DetectionPost.min_score": 0.06, "DetectionPost.nms_method": "hard"})
    dets = second.run(video)["detections"]
    assert _statuses(second, video) == {"ExtractFeatures": "cached", "TriDetCandidates": "cached",
                                        "DetectionPost": "computed", "ExportDetections": "computed"}
    assert second.computed["TriDetCandidates"] == 0 and dets != all_dets and all(d["score"] >= 0.06 for d in dets)


def test_changed_checkpoint_content_invalidates_only_the_network(tmp_path, bundle, video):
    copy = tmp_path / "w" / "tiny.safetensors"
    copy.parent.mkdir()
    shutil.copy(bundle, copy)
    shutil.copy(bundle.with_suffix(".json"), copy.with_suffix(".json"))
    build("detect", {"detector.checkpoint": str(copy)}).run(video)
    _bundle(tmp_path / "w", seed=1)  # same path, other weights
    again = build("detect", {"detector.checkpoint": str(copy)})
    again.run(video)
    assert _statuses(again, video)["ExtractFeatures"] == "cached"
    assert _statuses(again, video)["TriDetCandidates"] == "computed"


def test_dry_run_lists_stages_keys_and_cache_state(bundle, video, capsys):
    argv = ["run", "pipelines/detect.py", str(video), "--cfg-options", f"detector.checkpoint={bundle}", "--json"]
    assert main(argv + ["--dry-run"]) == 0
    plan = json.loads(capsys.readouterr().out)["plans"][str(video)]
    assert [r["stage"] for r in plan] == ["ExtractFeatures", "TriDetCandidates", "DetectionPost", "ExportDetections"]
    assert [r["cached"] for r in plan] == [False, False, None, None]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)["results"][0]["stages"]
    assert [r["status"] for r in report][:2] == ["computed", "computed"] and all(r["seconds"] >= 0 for r in report)
    assert main(argv + ["--dry-run"]) == 0
    again = json.loads(capsys.readouterr().out)["plans"][str(video)]
    assert [r["cached"] for r in again] == [True, True, None, None]
    assert [r["key"] for r in again] == [r["key"] for r in plan]


def test_bad_override_is_one_line(video, capsys):
    assert main(["run", "pipelines/detect.py", str(video), "--cfg-options", "NoSuchStage.x=1"]) == 2
    assert "NoSuchStage" in capsys.readouterr().err


class _WritesFile(Stage):
    calls = 0

    def run(self, context):
        _WritesFile.calls += 1
        out = context["scratch"] / "made.mp4"
        out.write_bytes(b"video bytes " * 100)
        return {"made": FileOutput(out), "n": 1}


def test_file_outputs_are_cached_as_files_and_checked(tmp_path):
    src = tmp_path / "in.bin"
    src.write_bytes(b"x")
    cache = Cache(tmp_path / "c")
    first = Pipeline([_WritesFile()], cache=cache, use_cache=True).run(src)
    made = first["made"]
    assert made.startswith(str(tmp_path / "c")) and open(made, "rb").read().startswith(b"video bytes")
    assert Pipeline([_WritesFile()], cache=cache, use_cache=True).run(src)["made"] == made and _WritesFile.calls == 1
    with open(made, "r+b") as f:  # damaged: recomputed, not served
        f.write(b"X")
    third = Pipeline([_WritesFile()], cache=cache, use_cache=True).run(src)
    assert _WritesFile.calls == 2 and open(third["made"], "rb").read().startswith(b"video bytes")
    assert cache.clear() == 1 and not list((tmp_path / "c").rglob("*.mp4"))


def test_detect_then_cut_clips_and_highlight_reel(tmp_path, bundle, video, capsys):
    from tempo.io import probe

    out = tmp_path / "out"
    assert main(["run", "pipelines/detect_clips.py", str(video), "-o", str(out), "--json", "--cfg-options",
                 f"detector.checkpoint={bundle}", "DetectionPost.min_score=0", "CutClips.min_score=0",
                 "CutClips.max_clips=3", "HighlightReel.min_score=0", "HighlightReel.max_segments=2"]) == 0
    res = json.loads(capsys.readouterr().out)["results"][0]
    clips = res["clips"]
    assert len(clips) == 3
    for c in clips:
        info = probe(c["file"])
        assert abs(info.duration - (c["end"] - c["start"])) < 0.15 and c["how"] in ("copy", "encode")
    reel = probe(res["reel"]["file"])
    assert abs(reel.duration - sum(b - a for a, b in res["reel"]["ranges"])) < 0.15


def test_cut_copies_from_a_keyframe_and_encodes_elsewhere(video, tmp_path):
    from tempo.io import probe
    from tempo.io.cut import cut_clip, keyframe_times

    assert keyframe_times(video)[0] == 0.0 and 1.0 not in keyframe_times(video)
    assert cut_clip(video, tmp_path / "a.mp4", 0.0, 1.0, fps=20) == "copy"
    assert cut_clip(video, tmp_path / "b.mp4", 1.0, 2.0, fps=20) == "encode"
    for name in ("a.mp4", "b.mp4"):
        assert abs(probe(tmp_path / name).duration - 1.0) < 0.1
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".mp4") == ["a.mp4", "b.mp4", "clip.mp4"]
