# Restore a degraded video with SeedVR (tempo restore's settings); the restored video is cached as a file.
# Run: tempo run pipelines/restore.py in.mp4 -o out/ [--cfg-options SeedVRRestore.tile=256 SeedVRRestore.steps=4]
stages = [
    dict(type="SeedVRRestore", checkpoint=None, config=None, steps=None, seed=None, tile=512, tile_overlap=32,
         chunk=21, overlap=4, codec="h264", crf=18),
    dict(type="ExportVideo", source="restored", suffix="_restored"),
]
