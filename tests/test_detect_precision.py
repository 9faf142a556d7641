"""``tempo detect --dtype`` (issue 21): the TriDet network under bfloat16 autocast on the CPU, decoding and NMS in
float32; float32 stays the unchanged default (same files, same cache entries); what the CPU cannot run is one line."""
import json

import numpy as np
import pytest
import torch

from media import make_video
from tempo.cli import main
from tempo.models.tridet import TriDet, save_tempo_checkpoint
from tempo.pipeline import stable_hash
from tempo.stages.detect import TriDetCandidates

pytestmark = pytest.mark.usefixtures("one_torch_thread", "own_cache")
# MotionStats features (77-d, no network): the cheapest real features of a real video
MODEL = dict(type="TriDet", input_dim=77, num_classes=3, max_seq_len=32, embd_dim=64, fpn_dim=64, head_dim=32,
             sgp_mlp_dim=32, max_buffer_len_factor=2.0,
             test_cfg=dict(pre_nms_topk=200, max_seg_num=30, min_score=0.001))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tempo bundle whose weights are perturbed off the initialisation (the classifier prior alone would give
    every point the same score, where any precision agrees), and a real h264 clip."""
    d = tmp_path_factory.mktemp("detect_precision")
    torch.manual_seed(0)
    model = TriDet(**{k: v for k, v in MODEL.items() if k != "type"})
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    path = save_tempo_checkpoint(model, d / "tiny.safetensors", MODEL)
    path.with_suffix(".json").write_text(json.dumps({
        "model": MODEL, "classes": ["jump", "spin", "wave"],
        "features": {"backbone": "MotionStats", "layout": "detect", "fps": 10.0, "num_frames": 8, "stride": 2}}))
    make_video(d / "clip.mp4", n=60, width=96, height=64, fps=10)
    return d


def _detect(d, out, *flags, capsys):
    code = main(["detect", str(d / "clip.mp4"), "--checkpoint", str(d / "tiny.safetensors"), "-o", str(out),
                 "--min-score", "0", "--formats", "json", "--json", *flags])
    assert code == 0
    return json.loads(capsys.readouterr().out)["results"][0]["detections"]


def _tiou(a, b):
    inter = max(0.0, min(a["end"], b["end"]) - max(a["start"], b["start"]))
    return inter / (a["end"] - a["start"] + b["end"] - b["start"] - inter)


def test_bfloat16_detects_close_to_float32_and_float32_is_the_default(setup, tmp_path, capsys):
    d = setup
    f32 = _detect(d, tmp_path / "a", capsys=capsys)  # no --dtype: the default, float32
    bf16 = _detect(d, tmp_path / "b", "--dtype", "bfloat16", capsys=capsys)  # the features from the cache
    again = _detect(d, tmp_path / "c", "--dtype", "float32", capsys=capsys)
    assert (tmp_path / "c" / "clip.json").read_bytes() == (tmp_path / "a" / "clip.json").read_bytes()
    assert again == f32
    # the network did run in bfloat16 (a cast that never happened would give float32's scores back) ...
    assert len(f32) >= 20 and [x["score"] for x in bf16] != [x["score"] for x in f32]
    # ... and only the network: each of float32's 10 best is found (same label, tIoU >= 0.95) with a score within
    # 4e-3. Measured here: tIoU >= 0.994, score differences <= 9e-4; decoding and candidate selection left under
    # autocast too differ by 7e-3 and fail
    pool = list(bf16)
    for ref in f32[:10]:
        # several detections can share a span (points of one level predicting the same boundaries): among the
        # best-overlapping ones take the closest score
        best = max((x for x in pool if x["label"] == ref["label"]),
                   key=lambda x: (round(_tiou(ref, x), 3), -abs(x["score"] - ref["score"])))
        assert _tiou(ref, best) >= 0.95 and abs(best["score"] - ref["score"]) <= 4e-3, (ref, best)
        pool.remove(best)


def test_cache_key_has_the_dtype_only_when_reduced(setup):
    """float32 (given or not) keeps the key that was computed before --dtype existed, so existing caches are found;
    bfloat16 gets its own entries."""
    spec = {"checkpoint": str(setup / "tiny.safetensors"), "config": None, "device": "cpu", "i3d": None}
    stage = TriDetCandidates(detector=spec)
    legacy = stable_hash({"input": "feats", "stage": "TriDetCandidates", "version": "1",
                          "params": {"detector": {**spec, "device": None}}, "weights": stage.weights_id()})
    assert stage.cache_key("feats") == legacy
    assert TriDetCandidates(detector={**spec, "dtype": "float32"}).cache_key("feats") == legacy
    assert TriDetCandidates(detector={**spec, "dtype": "bfloat16"}).cache_key("feats") != legacy


def test_bfloat16_candidates_are_float32_and_leave_the_float32_path_alone(setup):
    """What the stage caches and NMS reads stays float32 whatever the network ran at."""
    from tempo.models.tridet.predict import network_candidates
    from tempo.tasks.detect import shared_detector

    model = shared_detector(str(setup / "tiny.safetensors"), None, "cpu").model
    feats = np.random.default_rng(0).random((30, 77), dtype=np.float32)
    c32, c16 = network_candidates(model, feats), network_candidates(model, feats, "bfloat16")
    assert all(c16[k].dtype == c32[k].dtype for k in c32) and c16["scores"].dtype == np.float32
    # the heads' output layers ran in float32: as few tied scores as at float32 (bfloat16 logits tie by the hundred)
    assert len(np.unique(c16["scores"])) >= 0.99 * len(np.unique(c32["scores"])) > 100
    # the bfloat16 run left the shared detector float32: float32 after it is bit for bit what it was before
    assert next(model.parameters()).dtype == torch.float32
    after = network_candidates(model, feats, "float32")
    assert all(np.array_equal(after[k], c32[k]) for k in c32)


@pytest.mark.parametrize("command", ["detect", "evaluate"])
def test_float16_on_the_cpu_is_one_line(setup, tmp_path, capsys, command):
    out = tmp_path / "out"
    if command == "detect":
        argv = ["detect", str(setup / "clip.mp4"), "--checkpoint", str(setup / "tiny.safetensors"), "-o", str(out),
                "--device", "cpu", "--dtype", "float16"]
    else:  # ActionDetector refuses it before any video is read (the data folder need not hold any)
        (tmp_path / "annotations").mkdir()
        (tmp_path / "annotations" / "detect.json").write_text(json.dumps({"database": {"v": {
            "subset": "test", "duration": 6.0, "fps": 10.0, "video": "none.mp4", "annotations": []}}}))
        argv = ["evaluate", "detect", "--data", str(tmp_path), "--checkpoint", str(setup / "tiny.safetensors"),
                "--dtype", "float16"]
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--dtype float16 needs a CUDA device" in err[0], err
    assert not out.exists()
