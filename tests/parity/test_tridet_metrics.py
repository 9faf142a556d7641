"""ActivityNet-style detection mAP against the official ANETdetection outputs (fixture README §10)."""
import json

import pytest

from tempo.eval.detection import (evaluate_detection, load_ground_truth, load_predictions_csv,
                                  load_predictions_json)


def _expected(d):
    return json.loads((d / "expected_metrics.json").read_text())


def _compare(result, ref, tol):
    assert len(result["mAP"]) == len(ref["mAP"])
    for ours, theirs in zip(result["mAP"], ref["mAP"]):
        assert abs(ours - theirs) <= tol
    assert abs(result["average_mAP"] - ref["average_mAP"]) <= tol
    assert set(map(str, result["ap_per_class"])) == set(ref["ap_per_class"])
    for label, aps in ref["ap_per_class"].items():
        for ours, theirs in zip(result["ap_per_class"][int(label)], aps):
            assert abs(ours - theirs) <= tol


@pytest.mark.parametrize("loader", ["csv", "json"])
@pytest.mark.parametrize("family", ["thumos", "anet"])
def test_main_metrics(parity_dir, loader, family):
    d = parity_dir("tridet") / "metrics"
    exp = _expected(d)
    gt = load_ground_truth(d / "gt.json", exp["split"])
    preds = load_predictions_csv(d / "predictions.csv") if loader == "csv" else \
        load_predictions_json(d / "predictions.json")
    ref = exp[f"{family}_tious"]
    result = evaluate_detection(gt, preds, ref["tiou_thresholds"])
    _compare(result, ref, 1e-12)
    assert result["n_gt_instances_after_filtering"] == ref["n_gt_instances_after_filtering"]
    assert {str(k): v for k, v in result["activity_index"].items()} == ref["activity_index"]


@pytest.mark.parametrize("tie_break", ["earlier_row_first", "later_row_first"])
@pytest.mark.parametrize("family", ["thumos", "anet"])
def test_tie_order_conventions(parity_dir, tie_break, family):
    """Rounded scores make ties matter; the portable targets are the explicit conventions on the CSV row order."""
    d = parity_dir("tridet") / "metrics" / "tie_order_dependent"
    exp = _expected(d)
    gt = load_ground_truth(d / "gt.json", exp["split"])
    preds = load_predictions_csv(d / "predictions.csv")
    ref = exp["explicit_tie_break_conventions"][tie_break][family]
    result = evaluate_detection(gt, preds, exp[f"{family}_tious"]["tiou_thresholds"], tie_break=tie_break)
    _compare(result, ref, 1e-12)
