# Detect actions, then cut every confident detection into its own clip and join the best into a highlight reel.
# Run: tempo run pipelines/detect_clips.py VIDEO_OR_FOLDER -o clips/
#      (clips/<video>/<n>_<label>_<start>-<end>.mp4, clips/<video>.highlights.mp4, and the detect exports)
_base_ = ["./detect.py"]
stages = [
    dict(type="DetectorFeatures", detector="@detector", features_file=None),
    dict(type="TriDetCandidates", detector="@detector"),
    dict(type="DetectionPost", min_score=0.05, top_k=None),
    dict(type="ExportDetections", formats=["json", "csv"]),
    dict(type="CutClips", source="detections", min_score=0.2, max_clips=50, pad=0.0),
    dict(type="HighlightReel", source="detections", min_score=0.2, max_segments=10),
]
