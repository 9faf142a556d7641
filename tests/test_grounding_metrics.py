"""Behaviour of the QVHighlights metrics on hand-made cases."""
import numpy as np
import pytest

from tempo.eval.grounding import evaluate_submission, highlight_ap, precision_recall_curve


def gt(qid, windows, duration=20, clip_ids=(), scores=()):
    return {"qid": qid, "duration": duration, "relevant_windows": windows, "relevant_clip_ids": list(clip_ids),
            "saliency_scores": [list(s) for s in scores]}


def test_perfect_predictions_score_100():
    g = [gt(1, [[2, 8]]), gt(2, [[10, 40]], duration=60)]
    s = [{"qid": 1, "pred_relevant_windows": [[2, 8, 0.9]]}, {"qid": 2, "pred_relevant_windows": [[10, 40, 0.5]]}]
    m = evaluate_submission(s, g, variant="bam")
    assert m["brief"] == {"MR-full-R1@0.5": 100.0, "MR-full-R1@0.7": 100.0, "MR-full-mAP": 100.0,
                          "MR-full-mAP@0.5": 100.0, "MR-full-mAP@0.75": 100.0, "MR-full-mIoU": 100.0}
    assert m["short"]["MR-mAP"]["average"] == 100.0 and m["middle"]["MR-mAP"]["average"] == 100.0


def test_r1_uses_first_listed_window_not_best_score():
    g = [gt(1, [[0, 10]])]
    s = [{"qid": 1, "pred_relevant_windows": [[12, 20, 0.1], [0, 10, 0.9]]}]
    m = evaluate_submission(s, g, variant="bam")
    assert m["brief"]["MR-full-R1@0.5"] == 0.0
    assert m["brief"]["MR-full-mAP"] == 100.0  # AP ranks by score


def test_partial_overlap_iou():
    g = [gt(1, [[0, 10]])]
    s = [{"qid": 1, "pred_relevant_windows": [[0, 6, 1.0]]}]
    m = evaluate_submission(s, g, variant="bam")
    assert m["brief"]["MR-full-mIoU"] == 60.0
    assert m["full"]["MR-R1"] == {"0.5": 100.0, "0.6": 100.0, "0.7": 0.0}


def test_qid_mismatch_raises_unless_allowed():
    with pytest.raises(ValueError):
        evaluate_submission([{"qid": 1, "pred_relevant_windows": [[0, 1, 1]]}], [gt(2, [[0, 1]])])


def test_highlight_hit_and_ap():
    g = [gt(1, [[0, 4]], duration=8, clip_ids=[0, 1], scores=[[4, 4, 4], [1, 1, 1]])]
    s = [{"qid": 1, "pred_relevant_windows": [[0, 4, 1.0]], "pred_saliency_scores": [0.9, 0.1, 0.2, 0.3]}]
    m = evaluate_submission(s, g)
    assert m["HL-min-VeryGood"] == {"HL-mAP": 100.0, "HL-Hit1": 100.0}
    assert m["HL-min-Fair"]["HL-Hit1"] == 100.0


def test_precision_recall_curve_matches_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        y = (rng.random(30) > 0.6).astype(float)
        s = np.round(rng.random(30), 1)  # ties
        p, r = precision_recall_curve(y, s)
        p_ref, r_ref, _ = sk.precision_recall_curve(y, s)
        np.testing.assert_array_equal(p, p_ref)
        np.testing.assert_array_equal(r, r_ref)


def test_highlight_ap_degenerate_cases():
    assert highlight_ap(np.zeros(4), np.arange(4.0)) == 0.0
    assert highlight_ap(np.ones(4), np.arange(4.0)) == 1.0
