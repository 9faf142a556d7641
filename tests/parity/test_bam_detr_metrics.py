"""tempo.eval.grounding reproduces the official QVHighlights evaluation (Moment-DETR's and BAM-DETR's variant)."""
import json

import pytest

from tempo.eval.grounding import evaluate_files


@pytest.fixture(scope="module")
def eval_dir(parity_dir):
    return parity_dir("bam_detr") / "eval"


def test_moment_detr_metrics_identical(eval_dir):
    got = evaluate_files(eval_dir / "sample_val_preds.jsonl", eval_dir / "highlight_val_release.jsonl")
    ref = json.loads((eval_dir / "sample_val_preds_metrics.json").read_text())
    assert json.dumps(got) == json.dumps(ref)  # values and key order


def test_bam_variant_metrics_identical(eval_dir):
    got = evaluate_files(eval_dir / "sample_val_preds.jsonl", eval_dir / "highlight_val_release.jsonl", variant="bam")
    ref = json.loads((eval_dir / "sample_val_preds_metrics_bam.json").read_text())
    assert json.dumps(got) == json.dumps(ref)
