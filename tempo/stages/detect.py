"""TriDet detection as three stages: features (shared with ``tempo extract``'s cache), the network's pre-NMS
candidates (cached: the expensive part) and post-processing (NMS, score threshold, top-k: cheap, never cached),
so a second run with another ``min_score`` or NMS setting reruns only the last.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..pipeline import Stage, file_fingerprint, stable_hash
from ..registry import STAGES


def _detector(spec: dict | None) -> dict:
    spec = dict(spec or {})
    unknown = set(spec) - {"checkpoint", "config", "device", "dtype", "i3d"}
    if unknown:
        raise ValueError(f"detector settings are checkpoint, config, device, dtype and i3d; got {sorted(unknown)}")
    # i3d: settings of the two-stream I3D feature backbone (its networks' files: tempo detect --i3d-rgb ...)
    # dtype: the network's precision (None: float32; tempo detect --dtype bfloat16); the features are float32 anyway
    i3d = spec.get("i3d")
    return {"checkpoint": spec.get("checkpoint"), "config": spec.get("config"), "device": spec.get("device"),
            "dtype": spec.get("dtype"), "i3d": dict(i3d) if i3d else None}


@STAGES.register_module()
def DetectorFeatures(detector: dict | None = None, features_file: str | None = None) -> Stage:
    """The features ``detector`` reads: an ``ExtractFeatures`` stage with its protocol (the same cache entries as
    ``tempo extract`` with those settings), or ``FeaturesFile`` for precomputed features."""
    from ..features.stage import ExtractFeatures
    from ..tasks.detect import detector_feature_cfg, with_i3d

    d = _detector(detector)
    f = with_i3d(detector_feature_cfg(d["checkpoint"], d["config"]), d["i3d"])
    if features_file is not None:
        return FeaturesFile(path=str(features_file), fps=f.get("fps"))
    if f.get("backbone") is None:
        from ..errors import UsageError

        raise UsageError("this detector names no feature backbone: give its features (--features x.npy)")
    return ExtractFeatures(f["backbone"], layout="detect", fps=f.get("fps"), num_frames=f["num_frames"],
                           stride=f["stride"])


@STAGES.register_module()
class FeaturesFile(Stage):
    """Precomputed T x C features from a .npy file; keyed by the file's content. ``fps``: the frame rate they were
    computed at (None: the video's)."""

    version = "1"

    def __init__(self, path: str, fps: float | None = None):
        super().__init__(path=str(path), fps=fps)

    def weights_id(self) -> str:  # the file's content, not its name, decides the result
        return file_fingerprint(self.params["path"])

    def run(self, context: dict) -> dict:
        from ..errors import InputError
        from ..io import probe

        video = Path(context["video"])
        try:
            feats = np.load(self.params["path"], allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(self.params["path"], f"unreadable features ({exc})") from None
        fps = self.params["fps"] or (probe(video).fps if video.exists() else None)
        if fps is None:
            from ..errors import UsageError

            raise UsageError("with --features and no video file, the config must give the feature fps")
        duration = probe(video).duration if video.exists() else None
        return {"features": feats.astype(np.float32), "feature_meta": {"fps": fps, "duration": duration}}


@STAGES.register_module()
class TriDetCandidates(Stage):
    """The network part: pre-NMS candidates ``cand_segments`` (N, 2) feature-grid units, ``cand_scores``,
    ``cand_labels``, and ``detector`` (what post-processing needs: test_cfg, classes, fps, stride, duration)."""

    version = "1"

    def __init__(self, detector: dict | None = None):
        from ..models.common.precision import DTYPES

        d = _detector(detector)
        if d["dtype"] not in (None, *DTYPES):
            from ..errors import UsageError

            raise UsageError(f"--dtype {d['dtype']}: choose one of {', '.join(DTYPES)}")
        super().__init__(detector=d)

    def weights_id(self) -> str:
        from ..tasks.detect import detector_files

        d = self.params["detector"]
        return stable_hash([file_fingerprint(f) for f in detector_files(d["checkpoint"], d["config"])])

    def cache_key(self, input_fingerprint: str) -> str:
        # the device does not change the result (beyond float noise), and the feature backbone is the input's
        # business (the features are the input): neither may split the cache. A reduced precision does change it:
        # it enters the key, float32 does not, so the results cached before --dtype existed are still found
        detector = {**self.params["detector"], "device": None, "i3d": None}
        if detector.pop("dtype") not in (None, "float32"):
            detector["dtype"] = self.params["detector"]["dtype"]
        params = {**self.params, "detector": detector}
        return stable_hash({"input": input_fingerprint, "stage": self.stage_name(), "version": self.version,
                            "params": params, "weights": self.weights_id()})

    def run(self, context: dict) -> dict:
        from ..models.common.precision import resolve_dtype
        from ..models.tridet.predict import default_duration, network_candidates
        from ..tasks.detect import shared_detector

        d = self.params["detector"]
        det = shared_detector(d["checkpoint"], d["config"], d["device"])
        dtype = resolve_dtype(d["dtype"], det.device)  # float16 on the CPU: one line
        feats, meta = context["features"], context["feature_meta"]
        stride, num_frames = det.features["stride"], det.features["num_frames"]
        duration = meta.get("duration")
        if duration is None:
            duration = default_duration(feats, stride, num_frames, meta["fps"])
        cands = network_candidates(det.model, feats, dtype)
        classes = det.classes if det.classes is None or isinstance(det.classes, list) else dict(det.classes)
        return {"cand_segments": cands["segments"], "cand_scores": cands["scores"], "cand_labels": cands["labels"],
                "detector": {"test_cfg": dict(det.model.test_cfg), "classes": classes, "fps": float(meta["fps"]),
                             "stride": stride, "num_frames": num_frames, "duration": float(duration)}}


@STAGES.register_module()
class DetectionPost(Stage):
    """NMS over the cached candidates, then ``min_score`` and ``top_k``: ``detections`` (seconds, best first).
    NMS settings left None are the model's own (its ``test_cfg``)."""

    version = "1"
    cacheable = False  # milliseconds of work, and its output names the video path (a cache entry is by content)
    NMS = ("nms_method", "iou_threshold", "nms_sigma", "voting_thresh", "max_seg_num", "multiclass_nms")

    def __init__(self, min_score: float = 0.05, top_k: int | None = None, nms_method: str | None = None,
                 iou_threshold: float | None = None, nms_sigma: float | None = None, voting_thresh: float | None = None,
                 max_seg_num: int | None = None, multiclass_nms: bool | None = None):
        if nms_method not in (None, "soft", "hard", "none"):
            raise ValueError(f"nms_method is soft, hard or none, not {nms_method!r}")
        super().__init__(min_score=min_score, top_k=top_k, nms_method=nms_method, iou_threshold=iou_threshold,
                         nms_sigma=nms_sigma, voting_thresh=voting_thresh, max_seg_num=max_seg_num,
                         multiclass_nms=multiclass_nms)

    def run(self, context: dict) -> dict:
        from ..models.tridet.predict import postprocess

        info = context["detector"]
        test_cfg = {**info["test_cfg"], **{k: self.params[k] for k in self.NMS if self.params[k] is not None}}
        classes = info["classes"]
        if isinstance(classes, dict):  # JSON keys are strings
            classes = {int(k): v for k, v in classes.items()}
        cands = {"segments": context["cand_segments"], "scores": context["cand_scores"],
                 "labels": context["cand_labels"]}
        dets = postprocess(cands, test_cfg, info["fps"], info["stride"], info["num_frames"], info["duration"],
                           classes, self.params["min_score"], str(context.get("source_video") or context["video"]))
        top_k = self.params["top_k"]
        return {"detections": dets[:top_k] if top_k else dets}
