"""Video restoration with a SeedVR restorer, streamed from file to file with bounded memory.

Frames are decoded a few at a time (``VideoReader.iter_chunks``), restored in overlapping temporal
chunks (cross-faded) and spatial tiles (feathered) by ``SeedVRRestorer.restore_frames`` and written as they
come out (``VideoWriter``, same fps, the source's audio copied). Memory is bounded by the chunk and the
tile, never by the video's length.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..errors import InputError, UsageError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "seedvr_synth.safetensors"
DECODE_BATCH = 4  # frames decoded at a time; the restorer buffers its own chunk


def load_restorer(checkpoint=None, config=None, steps: int | None = None, seed: int | None = None,
                  device: str | None = None, dtype: str | None = None):
    """(restorer, model config). ``checkpoint``: tempo safetensors weights (default: the embedded
    ``tempo/weights/seedvr_synth.safetensors``); ``config``: an mmengine config file whose ``restorer``
    (or ``model``) describes the model, used instead of the JSON beside the weights. ``device`` (None: the CPU)
    and ``dtype`` ("float32", "bfloat16", "float16"; None: float32): ``SeedVRRestorer.to_runtime``."""
    from ..models.seedvr.checkpoint import load_restorer as load

    model_cfg = None
    if config is not None:
        from ..config_file import is_data_config, load_config

        if not Path(config).is_file():
            raise InputError(config, "config file not found")
        cfg = load_config(config)  # a .py config runs code by design; a JSON/YAML one is data
        node = cfg.get("restorer", None) or cfg.get("model", None)
        if node is None:
            raise InputError(config, "no `restorer` or `model` entry")
        model_cfg = node.to_dict() if hasattr(node, "to_dict") else dict(node)
        if is_data_config(config):
            from ..registry import MODELS, check_types

            check_types(model_cfg, config, MODELS)
    if checkpoint is None:
        if not DEFAULT_WEIGHTS.is_file():
            raise InputError(DEFAULT_WEIGHTS, "the default SeedVR weights are not installed; pass --checkpoint "
                             "W.safetensors (train one: tools/train.py configs/seedvr/synth_tiny.py)")
        checkpoint = DEFAULT_WEIGHTS
    from ..models.seedvr.official import is_official, load_official_restorer

    # official SeedVR files (a folder, or the DiT .pth with the others beside it) vs tempo's .safetensors
    restorer, model_cfg = (load_official_restorer if is_official(checkpoint) else load)(checkpoint, model_cfg)
    if steps is not None:
        if steps < 1:
            raise UsageError("--steps must be >= 1")
        restorer.steps = steps
    if seed is not None:
        restorer.seed = seed
    if device is not None or dtype is not None:
        from ..models.seedvr.precision import DTYPES

        restorer.to_runtime(device or "cpu", DTYPES[dtype or "float32"])
    return restorer, model_cfg


def stream_frames(reader, batch: int = DECODE_BATCH) -> Iterator[np.ndarray]:
    for _, frames in reader.iter_chunks(batch):
        yield from frames


def restore_video(src, dst, restorer, chunk: int = 21, overlap: int = 4, tile: int | None = 512,
                  tile_overlap: int = 32, codec: str = "h264", crf: int = 18,
                  on_frame: Callable[[int], None] | None = None, frames_source=None) -> dict:
    """Restore ``src`` into ``dst``; returns a summary. ``frames_source(reader)`` may replace the decoder's
    frame iterator (tests count what is held)."""
    from ..io import VideoReader, VideoWriter

    if chunk < 1 or not 0 <= overlap < chunk:
        raise UsageError("need --chunk >= 1 and 0 <= --overlap < --chunk")
    if tile is not None and tile <= tile_overlap:
        raise UsageError("--tile must be larger than --tile-overlap (or 0 for whole frames)")
    src, dst = Path(src), Path(dst)
    reader = VideoReader(src)
    width, height = reader.out_width, reader.out_height
    frames = (frames_source or stream_frames)(reader)
    start = time.perf_counter()
    n = 0
    with VideoWriter(dst, reader.fps, width, height, codec=codec, crf=crf, audio_from=src) as writer:
        for frame in restorer.restore_frames(frames, chunk=chunk, overlap=overlap, tile=tile,
                                             tile_overlap=tile_overlap):
            writer.write(frame)
            n += 1
            if on_frame:
                on_frame(1)
    seconds = time.perf_counter() - start
    return {"input": str(src), "output": str(dst), "frames": n, "width": width, "height": height,
            "fps": reader.fps, "seconds": round(seconds, 3), "frames_per_second": round(n / max(seconds, 1e-9), 3),
            "steps": restorer.steps}
