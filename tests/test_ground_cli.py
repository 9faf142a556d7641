"""`tempo ground` over a folder of real encoded clips: index (cached), rank across clips, export,
skip bad files; `tempo evaluate ground` on a synth split."""
import csv
import json

import pytest
import torch

from media import make_video
from tempo.cli import main
from tempo.models.bam_detr.checkpoint import save_tempo_checkpoint
from tempo.models.bam_detr.grounder import BAMDETRGrounder

MODEL = dict(type="BAMDETRGrounder", model=dict(v_feat_dim=1280 + 2, t_feat_dim=384, dim_feedforward=64,
                                                enc_layers=1, num_queries=5),
             test_cfg=dict(clip_length=2.0, max_ts=None, nms_thd=0.3, max_before_nms=5, max_after_nms=5))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    torch.manual_seed(0)
    model = BAMDETRGrounder(**{k: v for k, v in MODEL.items() if k != "type"})
    path = save_tempo_checkpoint(model, tmp_path_factory.mktemp("w") / "g.safetensors", MODEL)
    path.with_suffix(".json").write_text(json.dumps({
        "model": MODEL, "text": {"encoder": "MiniLM", "tokens": True, "max_tokens": 32},
        "video_features": {"backbone": "EfficientNetLite0", "layout": "ground", "fps": 10.0, "clip_len": 2.0,
                           "frame_step": 5}}))
    return path


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
    # second run: features come from the cache (entries are read, not rewritten)
    from tempo.pipeline import Cache
    from tempo.tasks.ground import MomentSearch

    entries = {p: p.stat().st_ino for p in Cache().entries()}
    assert len(entries) == 2
    MomentSearch(bundle).index_folder(folder)
    assert {p: p.stat().st_ino for p in Cache().entries()} == entries


def test_empty_query_is_usage_error(tmp_path, bundle, capsys):
    make_video(tmp_path / "a.mp4", n=20)
    assert main(["ground", str(tmp_path), "  ", "--checkpoint", str(bundle)]) == 2
