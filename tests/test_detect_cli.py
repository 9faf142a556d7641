"""`tempo detect` end to end on real encoded video: features → TriDet → every export format;
and with an official-format checkpoint + config + precomputed features."""
import csv
import json

import numpy as np
import pytest
import torch

from media import make_video
from tempo.cli import main
from tempo.models.tridet import TriDet, save_tempo_checkpoint

MODEL = dict(type="TriDet", input_dim=1280, num_classes=3, max_seq_len=32, embd_dim=32, fpn_dim=32, head_dim=16,
             sgp_mlp_dim=16, max_buffer_len_factor=2.0,
             test_cfg=dict(pre_nms_topk=200, max_seg_num=20, min_score=0.001))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A tempo bundle (random weights) declaring its feature protocol and class names."""
    torch.manual_seed(0)
    model = TriDet(**{k: v for k, v in MODEL.items() if k != "type"})
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    path = save_tempo_checkpoint(model, tmp_path_factory.mktemp("w") / "tiny.safetensors", MODEL)
    path.with_suffix(".json").write_text(json.dumps({
        "model": MODEL, "classes": ["jump", "spin", "wave"],
        "features": {"backbone": "EfficientNetLite0", "layout": "detect", "fps": 10.0, "num_frames": 8, "stride": 4}}))
    return path


def test_detect_writes_all_formats(tmp_path, bundle, capsys, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    video = make_video(tmp_path / "my clip.mp4", n=60, width=96, height=64, fps=20)
    out = tmp_path / "out"
    code = main(["detect", str(video), "--checkpoint", str(bundle), "-o", str(out), "--min-score", "0", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    dets = result["detections"]
    assert dets and all(d["label"] in {"jump", "spin", "wave"} and 0 <= d["start"] <= d["end"] <= 3.0 + 1e-6
                        for d in dets)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"my clip.{ext}" for ext in ("json", "csv", "srt", "vtt", "png"))
    rows = list(csv.DictReader(open(out / "my clip.csv")))
    assert len(rows) == len(dets)
    assert (out / "my clip.vtt").read_text().startswith("WEBVTT")
    assert (out / "my clip.png").read_bytes()[:4] == b"\x89PNG"


def test_official_checkpoint_with_features(tmp_path, parity_dir, capsys):
    d = parity_dir("tridet")
    cfg = json.loads((d / "config.json").read_text())
    feats = np.random.default_rng(0).random((40, cfg["dataset"]["input_dim"]), dtype=np.float32)
    np.save(tmp_path / "f.npy", feats)
    (tmp_path / "cfg.json").write_text(json.dumps({**cfg, "dataset": {**cfg["dataset"], "default_fps": 30.0}}))
    code = main(["detect", str(tmp_path / "vid.mp4"), "--config", str(tmp_path / "cfg.json"), "--checkpoint",
                 str(d / "checkpoint.pth.tar"), "--features", str(tmp_path / "f.npy"), "-o", str(tmp_path / "o"),
                 "--formats", "json", "--json"])
    assert code == 0
    dets = json.loads(capsys.readouterr().out)["results"][0]["detections"]
    assert dets and all(0 <= d["label_id"] < cfg["dataset"]["num_classes"] for d in dets)


def test_bad_checkpoint_is_one_line(tmp_path, capsys):
    video = make_video(tmp_path / "a.mp4", n=10)
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    code = main(["detect", str(video), "--checkpoint", str(tmp_path / "junk.safetensors")])
    err = capsys.readouterr().err
    assert code == 1 and "junk.safetensors" in err and "Traceback" not in err


def test_same_named_clips_in_subfolders_keep_their_relative_paths(tmp_path, bundle, capsys, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "in"
    for sub, n in (("a", 20), ("b", 40)):
        (src / sub).mkdir(parents=True)
        make_video(src / sub / "clip.mp4", n=n, width=64, height=48, fps=20)
    out = tmp_path / "out"
    assert main(["detect", str(src), "--checkpoint", str(bundle), "-o", str(out), "--formats", "json,csv"]) == 0
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.*")) == [
        "a/clip.csv", "a/clip.json", "b/clip.csv", "b/clip.json"]
    for sub in ("a", "b"):  # each file holds its own video's detections
        assert json.loads((out / sub / "clip.json").read_text())["video"] == str(src / sub / "clip.mp4")
    # the same two clips given one by one would share out/clip.*: refused before anything runs
    code = main(["detect", str(src / "a" / "clip.mp4"), str(src / "b" / "clip.mp4"), "--checkpoint", str(bundle),
                 "-o", str(tmp_path / "out2")])
    assert code == 2 and "'clip'" in capsys.readouterr().err and not (tmp_path / "out2").exists()


def _clips(folder, n):
    folder.mkdir(parents=True)
    return [make_video(folder / f"c{i}.mp4", n=20 + 10 * i, width=64, height=48, fps=20) for i in range(n)]


def test_folder_exports_overlap_the_next_video(tmp_path, bundle, monkeypatch):
    """The first video's exports are written while the second one is being detected (issue #21)."""
    import threading

    import tempo.io.exports as exports
    from tempo.stages.detect import TriDetCandidates

    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    _clips(tmp_path / "in", 3)
    second_started, seen = threading.Event(), []
    detect, export = TriDetCandidates.run, exports.export_detections

    def detect_counting(self, context):  # the detection network of one video
        seen.append(context["video"])
        if len(seen) == 2:
            second_started.set()
        return detect(self, context)

    def export_waiting(dets, stem, *args, **kwargs):
        if stem.name == "c0":  # sequential code would wait here in vain: video 2 starts after this returns
            seen.append(("overlapped", second_started.wait(timeout=10)))
        return export(dets, stem, *args, **kwargs)

    monkeypatch.setattr(TriDetCandidates, "run", detect_counting)
    monkeypatch.setattr(exports, "export_detections", export_waiting)
    out = tmp_path / "out"
    assert main(["detect", str(tmp_path / "in"), "--checkpoint", str(bundle), "-o", str(out), "--formats", "json"]) == 0
    assert ("overlapped", True) in seen
    assert sorted(p.name for p in out.iterdir()) == ["c0.json", "c1.json", "c2.json"]


def test_overlapped_folder_run_equals_sequential(tmp_path, bundle, capsys, monkeypatch):
    """Same files byte for byte, same results order, same error lines in the same order, with a bad video and a
    failing export in the folder; the failed export leaves nothing half-written."""
    from tempo.cli.detect import detect_all
    from tempo.cli.pipelines import build
    from tempo.io.discover import video_ids

    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    _clips(tmp_path / "in", 4)
    (tmp_path / "in" / "c1.mp4").write_bytes(b"not a video")
    pipeline = build("detect", {"detector.checkpoint": str(bundle), "DetectionPost.min_score": 0.0})
    runs = {}
    for overlap in (False, True):
        out = tmp_path / "out"  # the same folder for both runs: its path is in the error lines
        (out / "c2.csv").mkdir(parents=True)  # a directory where c2's CSV goes: that export fails
        result = detect_all(pipeline, video_ids([str(tmp_path / "in")]), out, overlap=overlap)
        files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        runs[overlap] = (list(result.ok), result.failed, files, capsys.readouterr().err)
        out.rename(tmp_path / f"out_{overlap}")
    assert runs[True] == runs[False]
    ok, failed, files, err = runs[True]
    assert [p.rsplit("/", 1)[1] for p in ok] == ["c0.mp4", "c3.mp4"] and len(failed) == 2
    assert err.index("c1.mp4") < err.index("c2") and "c2.png" not in files
    assert {f for f in files if f.startswith("c0.")} == {f"c0.{e}" for e in ("json", "csv", "srt", "vtt", "png")}


def test_batched_folder_run_equals_one_at_a_time(tmp_path, bundle, capsys, monkeypatch):
    """``--batch 3``: videos computed three at a time on threads give the same files byte for byte, results in the
    same order and the same error lines (a bad video among them) as one at a time; each run computes everything
    (own cache folder)."""
    from tempo.cli.detect import detect_all
    from tempo.cli.pipelines import build
    from tempo.io.discover import video_ids

    _clips(tmp_path / "in", 5)
    (tmp_path / "in" / "c2.mp4").write_bytes(b"not a video")
    runs = {}
    for workers in (1, 3):
        monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / f"cache_{workers}"))
        pipeline = build("detect", {"detector.checkpoint": str(bundle), "DetectionPost.min_score": 0.0})
        out = tmp_path / "out"
        result = detect_all(pipeline, video_ids([str(tmp_path / "in")]), out, workers=workers)
        files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        runs[workers] = (list(result.ok), result.failed, files, capsys.readouterr().err, dict(pipeline.computed))
        out.rename(tmp_path / f"out_{workers}")
    assert runs[3] == runs[1]
    ok, failed, files, err, computed = runs[3]
    assert [p.rsplit("/", 1)[1] for p in ok] == ["c0.mp4", "c1.mp4", "c3.mp4", "c4.mp4"] and len(failed) == 1
    assert "c2.mp4" in err and len(files) == 4 * 5
    assert computed["TriDetCandidates"] == 4


def test_batch_flag(tmp_path, bundle, capsys):
    """``tempo detect --batch 2`` on a folder writes every video's files; --batch 0 is one usage line."""
    _clips(tmp_path / "in", 3)
    out = tmp_path / "out"
    assert main(["detect", str(tmp_path / "in"), "--checkpoint", str(bundle), "-o", str(out), "--formats", "json",
                 "--batch", "2", "--no-cache"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["c0.json", "c1.json", "c2.json"]
    assert main(["detect", str(tmp_path / "in"), "--checkpoint", str(bundle), "-o", str(out), "--batch", "0"]) == 2
    assert "--batch 0" in capsys.readouterr().err
