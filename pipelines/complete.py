# Fill holes in a video: flow-guided propagation, then the onion-peel network on what no frame shows; the completed
# video is cached as a file.
# Run: tempo run pipelines/complete.py VIDEO_OR_FOLDER -o out/ --cfg-options OnionPeelComplete.mask=mask.png
#      (OnionPeelComplete.boxes=[10,10,16,16] for a box; out/<video>_completed.mp4)
# `tempo complete in.mp4 -o x.mp4` runs this very config; its flags become these overrides (--mask -> mask,
# --box -> boxes, --no-propagation -> propagation=False, --refine -> refine, --radius -> radius, ...;
# -o x.mp4 -> ExportVideo.output=x.mp4 and OnionPeelComplete.container=.mp4).
stages = [
    dict(type="OnionPeelComplete", mask=None, boxes=["8,8,16,16"], dilate=0, checkpoint=None, opn=None, tcn=None,
         size=None, mem_every=5, memory_frames=8, propagation=True, refine="opn", radius=15, device=None,
         codec="h264", crf=18, container=None),
    dict(type="ExportVideo", source="completed", suffix="_completed", output=None),
]
