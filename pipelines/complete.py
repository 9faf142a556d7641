# Fill holes in a video (onion-peel networks; tempo complete's settings); the completed video is cached as a file.
# Run: tempo run pipelines/complete.py in.mp4 -o out/ --cfg-options OnionPeelComplete.mask=mask.png
stages = [
    dict(type="OnionPeelComplete", mask=None, boxes=["8,8,16,16"], dilate=0, checkpoint=None, size=None,
         mem_every=5, memory_frames=8),
    dict(type="ExportVideo", source="completed", suffix="_completed"),
]
