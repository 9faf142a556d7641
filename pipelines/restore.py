# Restore a degraded video with SeedVR; the restored video is cached as a file.
# Run: tempo run pipelines/restore.py VIDEO_OR_FOLDER -o out/ \
#          [--cfg-options SeedVRRestore.tile=256 SeedVRRestore.steps=4]
#      (out/<video>_restored.mp4)
# `tempo restore in.mp4 -o x.mp4` runs this very config; its flags become these overrides (--checkpoint ->
# SeedVRRestore.checkpoint, --tile -> SeedVRRestore.tile, --one-step -> SeedVRRestore.steps=1, ...;
# -o x.mp4 -> ExportVideo.output=x.mp4 and SeedVRRestore.container=.mp4; --device/--dtype -> SeedVRRestore.device/dtype:
# None = CUDA when available, there bfloat16 as the official inference, else float32).
stages = [
    dict(type="SeedVRRestore", checkpoint=None, config=None, steps=None, seed=None, tile=512, tile_overlap=32,
         chunk=21, overlap=4, codec="h264", crf=18, container=None, device=None, dtype=None),
    dict(type="ExportVideo", source="restored", suffix="_restored", output=None),
]
