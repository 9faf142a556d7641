"""Stages that need no model: probing and a cheap per-second visual summary.

They make ``tempo run`` useful before any head is involved, and give the cache tests a real
decoding stage to count.
"""
from __future__ import annotations

import numpy as np

from ..io import VideoReader, probe
from ..registry import STAGES
from .stage import Stage


@STAGES.register_module()
class Probe(Stage):
    """Container/stream metadata of the input video."""

    version = "2"

    def run(self, context: dict) -> dict:
        return {"info": probe(context["video"]).to_dict()}


@STAGES.register_module()
class FrameSummary(Stage):
    """Mean RGB colour and mean absolute frame difference (motion energy) sampled at ``fps``.

    Frames are decoded at a small size in bounded chunks, so memory does not grow with length.
    """

    version = "2"

    def __init__(self, fps: float = 2.0, width: int = 64, chunk_size: int = 32):
        super().__init__(fps=fps, width=width, chunk_size=chunk_size)

    def run(self, context: dict) -> dict:
        reader = VideoReader(context["video"], width=self.params["width"])
        indices = reader.indices_at_fps(self.params["fps"])
        colours, motion, prev = [], [], None
        for _, frames in reader.iter_chunks(self.params["chunk_size"], indices):
            frames = frames.astype(np.float32)
            colours.append(frames.mean(axis=(1, 2)))
            for frame in frames:
                motion.append(0.0 if prev is None else float(np.abs(frame - prev).mean()))
                prev = frame
        times = reader.frame_times()[indices]
        return {"times": times.astype(np.float32), "mean_rgb": np.concatenate(colours).astype(np.float32),
                "motion": np.asarray(motion, np.float32)}
