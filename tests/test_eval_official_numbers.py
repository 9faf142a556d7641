"""The evaluators give the official numbers in the corner cases where a literal or a sort order decides (#21)."""
import json

import numpy as np
import pytest

from tempo.cli import main
from tempo.eval.detection import Segments, evaluate_detection, segment_iou
from tempo.eval.grounding import evaluate_submission
from tempo.tasks import detect_eval
from tempo.tasks.detect_eval import tiou_thresholds


def _segments(rows, scores=None):
    rows = np.asarray(rows, float)
    return Segments(["v"] * len(rows), rows[:, 0], rows[:, 1], np.zeros(len(rows), np.int64),
                    None if scores is None else np.asarray(scores, float))


def test_named_tiou_sets_are_the_official_linspace_values():
    assert tiou_thresholds("thumos") == np.linspace(0.3, 0.7, 5).tolist()
    assert tiou_thresholds("anet") == np.linspace(0.5, 0.95, 10).tolist()
    # [0.3, 0.7] against [0, 1]: tIoU 0.7 - 0.3 = 0.39999999999999997, a match at the official "0.4"
    result = evaluate_detection(_segments([[0.0, 1.0]]), _segments([[0.3, 0.7]], [0.9]), tiou_thresholds("thumos"))
    assert result["mAP"] == [1.0, 1.0, 0.0, 0.0, 0.0]


# Two ground truths tie at tIoU 1/3 with the first prediction; which one it takes decides the second's match.
GT = [[0, 4], [4, 8], [20, 22], [30, 32]]
PRED, SCORES = [[2, 6], [0, 4]], [0.9, 0.8]
TAKES_FIRST_GT, TAKES_SECOND_GT = 0.25, 0.5  # mAP@0.3: the second prediction is then a FP / a TP


@pytest.mark.parametrize("tie_break, expected", [("earlier_row_first", TAKES_FIRST_GT),
                                                 ("later_row_first", TAKES_SECOND_GT)])
def test_equal_tiou_ground_truth_order_follows_tie_break(tie_break, expected):
    result = evaluate_detection(_segments(GT), _segments(PRED, SCORES), [0.3], tie_break)
    assert result["mAP"] == [expected]


def test_numpy_default_visits_ground_truth_as_the_official_argsort():
    """The official code ranks GTs by ``tiou.argsort()[::-1]``; NumPy's SIMD sorts reorder equal values from 4 elements
    on, so the expected number is read from this machine's argsort (0.25 on AVX2/AVX-512 CPUs)."""
    tiou = segment_iou(np.array(PRED[0], float), np.array(GT, float))
    first = tiou.argsort()[::-1][0]
    assert first in (0, 1)
    result = evaluate_detection(_segments(GT), _segments(PRED, SCORES), [0.3], "numpy_default")
    assert result["mAP"] == [TAKES_FIRST_GT if first == 0 else TAKES_SECOND_GT]


def _window_query(qid, gt_window, pred_window):
    gt = {"qid": qid, "query": "q", "vid": f"v{qid}", "duration": 2000, "relevant_windows": [gt_window]}
    return {"qid": qid, "pred_relevant_windows": [[*pred_window, 0.9]]}, gt


def test_bam_anet_full_range_drops_windows_of_length_0_or_over_1000():
    """BAM-DETR's ``get_data_by_range`` skips filtering only for (0, 150): ActivityNet's full (0, 1000] filters."""
    rows = [_window_query(1, [10, 20], [10, 20]), _window_query(2, [5, 1205], [0, 1]), _window_query(3, [7, 7], [0, 1])]
    sub, gt = [r[0] for r in rows], [r[1] for r in rows]
    anet = evaluate_submission(sub, gt, variant="bam", dataset="anet")
    assert anet["full"]["MR-mAP"]["average"] == 100.0 and anet["full"]["MR-R1"]["0.5"] == 100.0
    assert anet["brief"]["MR-full-mIoU"] == 100.0
    # QVHighlights' full range (0, 150) is the unfiltered set: all three queries count
    hl = evaluate_submission(sub, gt, variant="bam", dataset="hl")
    assert hl["full"]["MR-R1"]["0.5"] == 33.33


def test_evaluate_detect_cli_tie_break_and_thresholds(tmp_path, parity_dir, capsys, monkeypatch):
    d = parity_dir("tridet")
    cfg = json.loads((d / "config.json").read_text())
    rng = np.random.default_rng(0)
    (tmp_path / "feats").mkdir()
    db = {}
    for vid in ("a", "b"):
        np.save(tmp_path / "feats" / f"{vid}.npy", rng.random((40, cfg["dataset"]["input_dim"]), dtype=np.float32))
        db[vid] = {"subset": "test", "fps": 30.0, "duration": 6.0,
                   "annotations": [{"label": "x", "label_id": 0, "segment": [1.0, 3.0]}]}
    (tmp_path / "ann.json").write_text(json.dumps({"database": db}))
    (tmp_path / "cfg.json").write_text(json.dumps({**cfg, "dataset": {**cfg["dataset"], "default_fps": 30.0}}))
    common = ["evaluate", "detect", "--data", str(tmp_path), "--ann", str(tmp_path / "ann.json"), "--feat-dir",
              str(tmp_path / "feats"), "--config", str(tmp_path / "cfg.json"), "--checkpoint",
              str(d / "checkpoint.pth.tar")]
    assert main(common + ["--tie-break", "numpy_default", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["tie_break"] == "numpy_default"
    assert result["tiou_thresholds"] == np.linspace(0.3, 0.7, 5).tolist()
    # the default order is the portable one, and the printed numbers say which order they use
    seen = {}

    def fake_evaluate(*args, **kwargs):
        seen["tie_break"] = args[-1]
        return {**result, "tie_break": args[-1]}

    monkeypatch.setattr(detect_eval, "evaluate", fake_evaluate)
    assert main(common) == 0
    assert seen["tie_break"] == "stable" and "(ties: stable)" in capsys.readouterr().out
