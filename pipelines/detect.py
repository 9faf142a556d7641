# Detect actions with TriDet: features (cached) -> network candidates (cached) -> NMS + threshold -> exports.
# Run: tempo run pipelines/detect.py VIDEO_OR_FOLDER -o detections/
#      tempo run pipelines/detect.py clip.mp4 -o out/ --cfg-options detector.checkpoint=W.safetensors DetectionPost.min_score=0.3
# `tempo detect` runs this very config; its flags become these overrides (--checkpoint -> detector.checkpoint,
# --min-score -> DetectionPost.min_score, --formats -> ExportDetections.formats, ...).
# A changed min_score/top_k/NMS setting reruns only DetectionPost: features and candidates come from the cache.
detector = dict(checkpoint=None, config=None, device=None)  # checkpoint None: the embedded default detector
stages = [
    dict(type="DetectorFeatures", detector="@detector", features_file=None),
    dict(type="TriDetCandidates", detector="@detector"),
    dict(type="DetectionPost", min_score=0.05, top_k=None),
    dict(type="ExportDetections", formats=["json", "csv", "srt", "vtt", "png"]),
]
