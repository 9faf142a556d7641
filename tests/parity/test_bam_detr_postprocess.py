"""Post-processed moments (pre-NMS, soft-NMS) and the tiny-set metrics equal the official predictions.json."""
import json

import numpy as np
import pytest
import torch

from tempo.eval.grounding import evaluate_submission
from tempo.models.bam_detr import load_official, official_predictions


@pytest.fixture(scope="module")
def fx(parity_dir):
    d = parity_dir("bam_detr")
    cfg = json.loads((d / "config.json").read_text())
    return dict(dir=d, cfg=cfg, inputs=torch.load(d / "inputs.pt", weights_only=True),
                preds=json.loads((d / "predictions.json").read_text()))


def _post_kwargs(cfg):
    pp, opt = cfg["hard_coded"]["postprocessor"], cfg["opt"]
    return dict(clip_length=pp["clip_length"], max_ts=pp["max_ts_val"], nms_thd=opt["nms_thd"],
                max_before_nms=opt["max_before_nms"], max_after_nms=opt["max_after_nms"])


def _gt(inputs):
    return [{"qid": m["qid"], "query": m["query"], "vid": m["vid"], "duration": m["duration"],
             "relevant_windows": m["relevant_windows"], "relevant_clip_ids": m["relevant_clip_ids"],
             "saliency_scores": m["saliency_scores"]} for m in inputs["meta"]]


def _compare(mine, ref):
    for a, b in zip(mine, ref):
        assert (a["qid"], a["query"], a["vid"]) == (b["qid"], b["query"], b["vid"])
        assert a["pred_relevant_windows"] == b["pred_relevant_windows"]
        sal_a, sal_b = np.array(a["pred_saliency_scores"]), np.array(b["pred_saliency_scores"])
        assert sal_a.shape == sal_b.shape
        ulp = np.spacing(np.abs(sal_b).astype(np.float16)).astype(np.float64)
        assert np.all(np.abs(sal_a - sal_b) <= ulp)


def _run(model, batch, metas, cfg):
    with torch.no_grad():
        out = model(batch["src_txt"], batch["src_txt_mask"], batch["src_vid"], batch["src_vid_mask"])
    return official_predictions(out, metas, **_post_kwargs(cfg))


def test_single_items_postprocess_exactly(fx):
    model, _ = load_official(fx["dir"] / "model.ckpt")
    pre, nms = [], []
    for item, meta in zip(fx["inputs"]["single"], fx["inputs"]["meta"]):
        p, n = _run(model, item, [meta], fx["cfg"])
        pre += p
        nms += n
    _compare(pre, fx["preds"]["single"]["pre_nms"])
    _compare(nms, fx["preds"]["single"]["nms"])
    metrics = evaluate_submission(nms, _gt(fx["inputs"]), variant="bam", dataset=fx["cfg"]["opt"]["dset_name"])
    assert json.loads(json.dumps(metrics)) == fx["preds"]["single"]["metrics"]


def test_batch_postprocess_with_bug_compatible_switch(fx):
    model, _ = load_official(fx["dir"] / "model.ckpt", t2v_mask_bug_compatible=True)
    pre, nms = _run(model, fx["inputs"]["batch"], fx["inputs"]["meta"], fx["cfg"])
    _compare(pre, fx["preds"]["batch"]["pre_nms"])
    _compare(nms, fx["preds"]["batch"]["nms"])
    metrics = evaluate_submission(nms, _gt(fx["inputs"]), variant="bam", dataset=fx["cfg"]["opt"]["dset_name"])
    assert json.loads(json.dumps(metrics)) == fx["preds"]["batch"]["metrics"]
