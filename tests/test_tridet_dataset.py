"""Detection feature dataset: JSON + .npy reading, grid conversion, truncation; and the mAP metric on
perfect / empty predictions."""
import json
import random

import numpy as np
import pytest
import torch

from tempo.data.detection_dataset import DetectionFeatureDataset, truncate_video
from tempo.errors import InputError
from tempo.eval.detection import DetectionMAPMetric, evaluate_detection, load_ground_truth, \
    predictions_from_detections
from tempo.registry import DATASETS


@pytest.fixture()
def data(tmp_path):
    db = {
        "a": {"subset": "Training", "fps": 10.0, "duration": 20.0,
              "annotations": [{"segment": [2.0, 6.0], "label": "x", "label_id": 1},
                              {"segment": [2.0, 6.0], "label": "x", "label_id": 1}]},
        "b": {"subset": "validation", "fps": 25.0, "duration": 8.0,
              "annotations": [{"segment": [1.0, 3.0], "label": "y", "label_id": 0}]},
        "c": {"subset": "training", "fps": 10.0, "duration": 5.0, "annotations": []},
        "no_feats": {"subset": "training", "fps": 10.0, "duration": 5.0, "annotations": []},
    }
    (tmp_path / "feats").mkdir()
    np.save(tmp_path / "feats" / "a.npy", np.arange(50 * 6, dtype=np.float32).reshape(50, 6))
    np.save(tmp_path / "feats" / "b.npy", np.ones((49, 6), np.float32))
    np.save(tmp_path / "feats" / "c.npy", np.ones((12, 6), np.float32))
    (tmp_path / "ann.json").write_text(json.dumps({"database": db}))
    return tmp_path


def test_items_follow_the_official_layout(data):
    ds = DATASETS.build(dict(type="DetectionFeatureDataset", ann_file=str(data / "ann.json"),
                             feat_dir=str(data / "feats"), split=["training"], feat_stride=4, num_frames=8,
                             input_dim=6))
    assert [v["id"] for v in ds.videos] == ["a", "c"]  # split is case-insensitive; missing features skipped
    item = ds[0]
    assert item["feats"].shape == (6, 50) and torch.equal(item["feats"][:, 1], torch.arange(6, 12.0))
    # (seconds * fps - num_frames / 2) / stride
    assert torch.allclose(item["segments"], torch.tensor([[4.0, 14.0], [4.0, 14.0]]))
    assert item["labels"].tolist() == [1, 1] and item["fps"] == 10.0 and item["feat_num_frames"] == 8
    assert ds[1]["segments"].shape == (0, 2)


def test_anet_options(data):
    ds = DetectionFeatureDataset(data / "ann.json", data / "feats", split="training", num_classes=1,
                                 remove_duplicates=True, feat_stride=4, num_frames=8)
    assert ds[0]["labels"].tolist() == [0]


def test_bad_feature_file(data):
    np.save(data / "feats" / "b.npy", np.ones((3, 4, 2), np.float32))
    ds = DetectionFeatureDataset(data / "ann.json", data / "feats", split="validation")
    with pytest.raises(InputError, match="b.npy"):
        ds[0]
    with pytest.raises(InputError):
        DetectionFeatureDataset(data / "missing.json", data / "feats")


def test_truncation_keeps_enough_of_an_action():
    item = {"feats": torch.zeros(4, 100), "segments": torch.tensor([[10.0, 30.0], [80.0, 90.0]]),
            "labels": torch.tensor([0, 1])}
    rng = random.Random(0)
    for _ in range(20):
        out = truncate_video(item, 40, 0.5, rng=rng)
        assert out["feats"].shape[1] == 40 and len(out["labels"]) >= 1
        assert (out["segments"] >= 0).all() and (out["segments"] <= 40).all()
    assert truncate_video(item, 200, 0.5) is item  # short enough, no cropping asked


def test_metric_perfect_and_empty(data):
    gt = load_ground_truth(data / "ann.json", "training")
    perfect = predictions_from_detections([{"video": "a", "start": 2.0, "end": 6.0, "label": 1, "score": 0.9}])
    assert evaluate_detection(gt, perfect)["average_mAP"] == 1.0
    assert evaluate_detection(gt, predictions_from_detections([]))["average_mAP"] == 0.0
    metric = DetectionMAPMetric(ann_file=str(data / "ann.json"), split="training", tiou_thresholds="anet")
    metric.process(None, [{"video_id": "a", "segments": torch.tensor([[2.0, 6.0], [2.5, 5.5]]),
                           "scores": torch.tensor([0.9, 0.8]), "labels": torch.tensor([1, 1])}])
    result = metric.compute_metrics(metric.results)
    assert result["average_mAP"] == 1.0 and len(result) == 11


def test_metric_keeps_every_detection_through_mmengine_evaluate(data):
    """mmengine's ``evaluate(size)`` keeps the first ``size`` results (size = number of videos): a video with many
    detections must still count all of them (a per-detection result list once cut validation mAP to ~0)."""
    metric = DetectionMAPMetric(ann_file=str(data / "ann.json"), split="training", tiou_thresholds="anet")
    # one video, the true segment ranked last behind 5 decoys of a class absent from the ground truth
    segments = torch.tensor([[0.0, 1.0]] * 5 + [[2.0, 6.0]])
    metric.process(None, [{"video_id": "a", "segments": segments, "scores": torch.linspace(0.9, 0.4, 6),
                           "labels": torch.tensor([7] * 5 + [1])}])
    assert metric.evaluate(size=1)["detection/average_mAP"] == 1.0
