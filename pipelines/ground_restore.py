# Find a moment in every clip of a folder, restore only the found moments (SeedVR), export them as clips.
# Run: tempo run pipelines/ground_restore.py clips/ -o restored/ --cfg-options "GroundQuery.query=the red square spins"
#      (restored/<clip>/<n>_<query>_<start>-<end>.mp4 and restored/<clip>.moments.json/.csv)
# Only the moments are restored, so a folder costs seconds per moment, not per clip; a second run with another
# restoration setting reuses the grounding from the cache.
stages = [
    dict(type="GroundQuery", query="the red square spins", query_file=None, head="bam_detr", checkpoint=None,
         top_k=1, min_score=0.0),
    dict(type="RestoreMoments", source="moments", min_score=0.0, max_moments=1, checkpoint=None, tile=512),
    dict(type="ExportMoments", formats=["json", "csv"]),
    dict(type="ExportFiles", source="restored_moments"),
]
