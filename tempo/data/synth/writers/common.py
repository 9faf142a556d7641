"""Helpers the task writers share: deterministic encoders and atomic annotation files."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ....io import VideoWriter

# One encoder thread and bit-exact muxing: the same frames give byte-identical files on any machine
# with the same ffmpeg build (x264 output depends on its thread count; mkv writes a random UID otherwise).
DETERMINISTIC = {"threads": 1, "fflags": "+bitexact"}


def h264_writer(path, fps, width, height, crf: int) -> VideoWriter:
    return VideoWriter(path, fps, width, height, codec="h264", crf=crf, preset="veryfast",
                       extra_output_args=dict(DETERMINISTIC))


def mask_writer(path, fps, width, height) -> VideoWriter:
    """Lossless single-channel FFV1 in Matroska: masks decode back exactly (0 or 255)."""
    return VideoWriter(path, fps, width, height, codec="ffv1",
                       extra_output_args={**DETERMINISTIC, "pix_fmt": "gray"})


def write_json(path: Path, obj, lines: bool = False) -> Path:
    """Write JSON (or JSON lines from a list) atomically: temp file in the same folder + rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with open(tmp, "w") as f:
        if lines:
            for row in obj:
                f.write(json.dumps(row) + "\n")
        else:
            json.dump(obj, f, indent=1)
            f.write("\n")
    os.replace(tmp, path)
    return path


def rounded(t: float) -> float:
    return round(float(t), 4)
