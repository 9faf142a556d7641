"""The Moment-DETR-layout dataset turns the fixture's raw feature files into exactly the official model inputs."""
import json

import numpy as np
import pytest
import torch

from tempo.data.grounding_dataset import GroundingFeatureDataset, grounding_collate, span_labels


@pytest.fixture(scope="module")
def fx(parity_dir):
    d = parity_dir("bam_detr")
    return dict(cfg=json.loads((d / "config.json").read_text()), inputs=torch.load(d / "inputs.pt", weights_only=True),
                ts=torch.load(d / "train_step.pt", weights_only=True))


def write_layout(root, inputs):
    names = [b["name"] for b in inputs["feature_blocks"]]
    for name in names:
        (root / name).mkdir()
    (root / "text").mkdir()
    with open(root / "ann.jsonl", "w") as f:
        for meta, raw in zip(inputs["meta"], inputs["raw"]):
            for name, block in zip(names, raw["video_blocks"]):
                np.savez(root / name / f"{meta['vid']}.npz", features=np.asarray(block))
            np.savez(root / "text" / f"qid{meta['qid']}.npz", last_hidden_state=np.asarray(raw["text"]))
            f.write(json.dumps({k: meta[k] for k in ("qid", "query", "vid", "duration", "relevant_windows",
                                                     "relevant_clip_ids", "saliency_scores")}) + "\n")
    return names


def test_dataset_reproduces_official_inputs(fx, tmp_path):
    ds_cfg = fx["cfg"]["dataset"]
    names = write_layout(tmp_path, fx["inputs"])
    ds = GroundingFeatureDataset(tmp_path / "ann.jsonl", [tmp_path / n for n in names], tmp_path / "text",
                                 max_q_l=ds_cfg["max_q_l"], max_v_l=ds_cfg["max_v_l"], clip_len=ds_cfg["clip_length"],
                                 max_windows=ds_cfg["max_windows"], use_tef="tef" in ds_cfg["ctx_mode"], seed=0)
    items = [ds[i] for i in range(len(ds))]
    for item, single in zip(items, fx["inputs"]["single"]):
        assert torch.equal(item["src_vid"], single["src_vid"][0])
        assert torch.equal(item["src_txt"], single["src_txt"][0])
    batch = grounding_collate(items)["inputs"]
    for k, v in fx["inputs"]["batch"].items():
        assert torch.equal(batch[k], v), k
    # deterministic parts of the labels
    targets = fx["ts"]["targets"]
    samples = grounding_collate(items)["data_samples"]
    assert torch.equal(samples["saliency_all_labels"], targets["saliency_all_labels"])
    assert torch.equal(samples["saliency_pos_labels"][:, 0], targets["saliency_pos_labels"][:, 0])
    assert torch.equal(samples["saliency_neg_labels"][:, 0], targets["saliency_neg_labels"][:, 0])
    for windows, item, ref in zip(fx["ts"]["gt_windows_seconds"], items, targets["span_labels"]):
        got = span_labels(windows, len(item["src_vid"]), ds_cfg["clip_length"], ds_cfg["max_windows"])
        assert torch.equal(got, ref)
