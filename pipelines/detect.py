# Detect actions with TriDet: features (cached) -> network candidates (cached) -> NMS + threshold -> exports.
# Run: tempo run pipelines/detect.py VIDEO_OR_FOLDER -o detections/
#      tempo run pipelines/detect.py clip.mp4 -o out/ \
#          --cfg-options detector.checkpoint=W.safetensors DetectionPost.min_score=0.3
# `tempo detect` runs this very config; its flags become these overrides (--checkpoint -> detector.checkpoint,
# --min-score -> DetectionPost.min_score, --formats -> ExportDetections.formats, ...).
# A changed min_score/top_k/NMS setting reruns only DetectionPost: features and candidates come from the cache.
# checkpoint None: the embedded default detector; i3d: files of the two-stream I3D feature backbone
# (tempo detect --i3d-rgb R.pth --i3d-flow F.pth -> i3d=dict(rgb_checkpoint="R.pth", flow_checkpoint="F.pth"));
# dtype: the network's precision, None = float32 (tempo detect --dtype bfloat16 -> dtype="bfloat16", own cache entries)
detector = dict(checkpoint=None, config=None, device=None, dtype=None, i3d=dict())
stages = [
    dict(type="DetectorFeatures", detector="@detector", features_file=None),
    dict(type="TriDetCandidates", detector="@detector"),
    dict(type="DetectionPost", min_score=0.05, top_k=None),
    dict(type="ExportDetections", formats=["json", "csv", "srt", "vtt", "png"]),
]
