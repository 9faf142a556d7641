# The moments of each clip that a query describes (BAM-DETR, or head="textclip"), exported per clip.
# Run: tempo run pipelines/ground.py clips/ -o moments/ --cfg-options "GroundQuery.query=a red square spins"
# (`tempo ground` ranks moments across a whole folder, with a pre-filter for large folders; this config gives
# each clip's own moments, for pipelines that act on them: pipelines/ground_restore.py.)
stages = [
    dict(type="GroundQuery", query="the red square spins", query_file=None, head="bam_detr", checkpoint=None,
         top_k=5, min_score=0.0),
    dict(type="ExportMoments", formats=["json", "csv"]),
]
