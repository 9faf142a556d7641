"""Classical video-restoration baselines for ``tempo evaluate restore``.

* ``identity``: the degraded frames as they are (= the input's own score).
* ``bicubic``: bicubic up-sampling. The synthetic ``downscale`` degradation already returns the clip
  up-scaled back to full size with bicubic interpolation (``tempo.data.synth.degrade``), so on these pairs
  bicubic *is* the identity; it is listed so the table has the usual super-resolution reference.
* ``hqdn3d``: ffmpeg's high-quality 3-D (spatio-temporal) denoiser, ffmpeg's default strengths
  (4:3:6:4.5); ``hqdn3d=LS:CS:LT:CT`` picks others.
* ``nlmeans``: ffmpeg's non-local means, ``s=4:p=7:r=9`` (ffmpeg's own default strength s=1 barely touches
  noise of sigma >= 5, and its 15-pixel search is ~3x slower for little gain); ``nlmeans=OPTIONS`` picks others.

The ffmpeg filters run on the bundled ffmpeg (``tempo.io.ffmpeg_bin``) over the decoded RGB frames, converted
to planar YUV 4:4:4 (the filters' luma/chroma strengths are meant for YUV; the round trip alone costs
< 0.01 dB: 52 dB PSNR) and back, so every method sees exactly the frames tempo decodes.
Every baseline maps uint8 RGB frames (N, H, W, 3) to frames of the same shape.
"""
from __future__ import annotations

import subprocess
from typing import Callable

import numpy as np

from ..io.ffmpeg_bin import ffmpeg_exe

FILTER_DEFAULTS = {"hqdn3d": "", "nlmeans": "s=4:p=7:r=9"}


def ffmpeg_filter(frames: np.ndarray, vf: str, fps: float = 25.0) -> np.ndarray:
    """Run an ffmpeg video filter chain over RGB frames (in memory, through pipes)."""
    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    n, h, w, _ = frames.shape
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
           "-r", str(fps), "-i", "pipe:", "-vf", f"format=yuv444p,{vf}", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "pipe:"]
    proc = subprocess.run(cmd, input=frames.tobytes(), capture_output=True)
    if proc.returncode != 0:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"ffmpeg filter {vf!r} failed: {reason[-1] if reason else proc.returncode}")
    out = np.frombuffer(proc.stdout, np.uint8)
    if out.size != frames.size:
        raise RuntimeError(f"ffmpeg filter {vf!r} returned {out.size // (h * w * 3)} frames for {n}")
    return out.reshape(frames.shape)


def baseline(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """``identity``, ``bicubic``, ``hqdn3d[=opts]`` or ``nlmeans[=opts]`` -> frames -> frames."""
    base, _, opts = name.partition("=")
    if base in ("identity", "bicubic") and not opts:
        return lambda frames: frames
    if base in FILTER_DEFAULTS:
        opts = opts or FILTER_DEFAULTS[base]
        vf = f"{base}={opts}" if opts else base
        return lambda frames: ffmpeg_filter(frames, vf)
    raise ValueError(f"unknown baseline {name!r}: choose identity, bicubic, hqdn3d[=opts], nlmeans[=opts]")


DEFAULT_BASELINES = ("identity", "bicubic", "hqdn3d", "nlmeans")
