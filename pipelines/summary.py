# Model-free pipeline: probe each video and summarise colour and motion twice a second.
# Run: tempo run pipelines/summary.py VIDEO_OR_FOLDER
stages = [
    dict(type="Probe"),
    dict(type="FrameSummary", fps=2.0, width=64),
]
