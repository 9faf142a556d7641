"""Locate the ffmpeg executable: imageio-ffmpeg's bundled static build, so no system install is needed."""
from __future__ import annotations

import functools
import os
import shutil


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary: ``TEMPO_FFMPEG`` if set, else imageio-ffmpeg's, else the one on PATH."""
    env = os.environ.get("TEMPO_FFMPEG")
    if env:
        return env
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # pragma: no cover - only without imageio-ffmpeg
        found = shutil.which("ffmpeg")
        if found:
            return found
        raise RuntimeError("no ffmpeg found: install imageio-ffmpeg (pip install imageio-ffmpeg)")
