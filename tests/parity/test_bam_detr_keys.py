"""State-dict keys, shapes and aliases of tempo's BAM-DETR equal the official model's."""
import json
from pathlib import Path

import torch
from mmengine.config import Config

from tempo.models.bam_detr import build_from_official_opt
from tempo.registry import MODELS

REPO_ROOT = Path(__file__).resolve().parents[2]


def read_keys(path):
    text = path.read_text()
    table = text.split("## keys")[1].split("\n## ")[0].strip().splitlines()[2:]
    rows = [line.split("\t") for line in table]
    aliases = [line.split(" == ")
               for line in text.split("## alias pairs")[1].split("\n## ")[0].strip().splitlines()[1:]]
    return [(r[0], r[1]) for r in rows], aliases


def shape_str(t):
    return "x".join(map(str, t.shape))


def check(model, keys_file):
    keys, aliases = read_keys(keys_file)
    sd = model.state_dict()
    assert [(k, shape_str(v)) for k, v in sd.items()] == keys
    for a, b in aliases:
        assert sd[a].data_ptr() == sd[b].data_ptr(), (a, b)


def test_fixture_config_keys(parity_dir):
    d = parity_dir("bam_detr")
    opt = json.loads((d / "config.json").read_text())["opt"]
    check(build_from_official_opt(opt), d / "keys_fixture.txt")


def test_qvhighlights_config_keys(parity_dir):
    d = parity_dir("bam_detr")
    cfg = Config.fromfile(str(REPO_ROOT / "configs/bam_detr/qvhighlights.py"))
    import tempo.models.bam_detr  # noqa: F401

    model = MODELS.build(cfg.model)
    check(model.bam, d / "keys_qvhighlights_full.txt")


def test_checkpoint_loads_strictly_into_fixture_build(parity_dir):
    from tempo.models.bam_detr import read_official_checkpoint

    d = parity_dir("bam_detr")
    ckpt = read_official_checkpoint(d / "model.ckpt")
    model = build_from_official_opt(vars(ckpt["opt"]))
    model.load_state_dict(ckpt["model"], strict=True)
    assert torch.equal(model.span_embed[0][0].layers[0].weight,
                       model.transformer.decoder.bbox_embed[0][0].layers[0].weight)
