# Fill a masked region (onion-peel), then detect actions on the completed video.
# Run: tempo run pipelines/complete_detect.py clip.mp4 -o out/ --cfg-options OnionPeelComplete.boxes=10,10,20,20
#      (--cfg-options OnionPeelComplete.mask=mask.png for a mask file;
#       out/clip.json/.csv/... and out/clip_completed.mp4)
_base_ = ["./detect.py"]
stages = [
    dict(type="OnionPeelComplete", mask=None, boxes=["8,8,16,16"], dilate=0, checkpoint=None),
    dict(type="UseVideo", source="completed"),
    dict(type="DetectorFeatures", detector="@detector", features_file=None),
    dict(type="TriDetCandidates", detector="@detector"),
    dict(type="DetectionPost", min_score=0.05, top_k=None),
    dict(type="ExportDetections", formats=["json", "csv", "srt", "vtt", "png"]),
    dict(type="ExportVideo", source="completed", suffix="_completed"),
]
