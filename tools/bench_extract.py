"""Benchmark feature extraction: decode alone vs decode + backbone, cold vs cached.

A 640×360, 30 fps clip (ffmpeg's testsrc2, H.264) is extracted at stride 4 with 16-frame windows.
The per-frame default samples one frame per stride (see tempo/features/windows.py): every window
is the mean of the num_frames/stride frames on that grid, so the backbone runs on N/4 frames.
``--frame-step 1`` shows the dense alternative (every frame through the backbone).

    .venv/bin/python tools/bench_extract.py [--seconds 20] [--backbone EfficientNetLite0] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path


def make_clip(path: Path, seconds: float) -> Path:
    from tempo.io.ffmpeg_bin import ffmpeg_exe
    import subprocess

    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"testsrc2=size=640x360:rate=30:duration={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-crf", "20", str(path)], check=True)
    return path


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--backbone", default="EfficientNetLite0")
    ap.add_argument("--stride", type=int, default=4)
    ap.add_argument("--num-frames", type=int, default=16)
    ap.add_argument("--frame-step", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import torch

    from tempo.features import build_backbone, feature_pipeline
    from tempo.features.base import short_side_size
    from tempo.io import VideoReader

    if args.threads:
        torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="tempo-bench-"))
    clip = make_clip(work / "clip.mp4", args.seconds)
    reader = VideoReader(clip)
    n, fps = len(reader), reader.fps
    duration = n / fps
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cpus, torch threads {torch.get_num_threads()}",
           "video": f"640x360 {fps:g} fps, {n} frames ({duration:.1f} s)", "backbone": args.backbone,
           "stride": args.stride, "num_frames": args.num_frames, "frame_step": args.frame_step or args.stride}

    def decode(width=None, height=None):
        r = VideoReader(clip, width=width, height=height)
        return sum(len(f) for _, f in r.iter_chunks(64))

    t, _ = timed(decode)
    res["decode_fps_native_size"] = n / t
    backbone = build_backbone({"type": args.backbone})
    h, w = short_side_size(360, 640, backbone.input_size)
    t, _ = timed(lambda: decode(w, h))
    res["decode_fps_backbone_size"] = n / t
    res["model_load_s"], _ = timed(lambda: backbone.model)

    cfg = dict(num_frames=args.num_frames, stride=args.stride, frame_step=args.frame_step)
    cold = feature_pipeline(args.backbone, cache=work / "cache", **cfg)
    t_cold, ctx = timed(lambda: cold.run(clip))
    res["features"] = list(ctx["features"].shape)
    res["cold_s"] = t_cold
    res["cold_fps"] = n / t_cold
    res["cold_x_realtime"] = duration / t_cold
    cached = feature_pipeline(args.backbone, cache=work / "cache", **cfg)
    t_hot, _ = timed(lambda: cached.run(clip))
    assert cached.computed["ExtractFeatures"] == 0
    res["cached_s"] = t_hot
    res["cached_x_realtime"] = duration / t_hot
    res["cached_speedup"] = t_cold / t_hot

    if args.json:
        print(json.dumps(res, indent=2))
    else:
        for k, v in res.items():
            print(f"{k:>26}: {v:.4g}" if isinstance(v, float) else f"{k:>26}: {v}")


if __name__ == "__main__":
    main()
