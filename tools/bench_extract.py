"""Benchmark feature extraction: where the time goes (decode / resize / backbone), cold vs cached.

A 640×360, 30 fps clip (ffmpeg's testsrc2, H.264) is extracted at stride 4 with 16-frame windows.
The per-frame default samples one frame per stride (see tempo/features/windows.py): every window
is the mean of the num_frames/stride frames on that grid, so the backbone runs on N/4 frames.
``--frame-step 1`` shows the dense alternative (every frame through the backbone).

Reported per step: wall seconds, process CPU seconds (less sensitive to other jobs on the machine:
on a loaded machine wall time is mostly waiting for a core), and the 1-minute load average when the
step ended. ``x_realtime`` = video seconds per wall second.

    .venv/bin/python tools/bench_extract.py [--seconds 20] [--threads 1] [--batch-size 4] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np


def make_clip(path: Path, seconds: float) -> Path:
    from tempo.io.ffmpeg_bin import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"testsrc2=size=640x360:rate=30:duration={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-crf", "20", str(path)], check=True)
    return path


def timed(fn, repeat: int = 1) -> dict:
    """Best of ``repeat`` runs: wall s, CPU s, load average after; ``out`` is the last result."""
    best = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if best is None or wall < best["wall_s"]:
            best = {"wall_s": wall, "cpu_s": cpu, "load1": os.getloadavg()[0]}
    return {**best, "out": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--backbone", default="EfficientNetLite0")
    ap.add_argument("--batch-size", type=int, default=None, help="backbone batch size (default: the backbone's)")
    ap.add_argument("--stride", type=int, default=4)
    ap.add_argument("--num-frames", type=int, default=16)
    ap.add_argument("--frame-step", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import torch

    from tempo.features import build_backbone, feature_pipeline
    from tempo.features.base import Backbone, center_crop, prepare_frames, short_side_size
    from tempo.io import VideoReader

    if args.threads:
        torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="tempo-bench-"))
    clip = make_clip(work / "clip.mp4", args.seconds)
    reader = VideoReader(clip)
    n, fps = len(reader), reader.fps
    duration = n / fps
    step = args.frame_step or args.stride
    bb_cfg = {"type": args.backbone, **({"batch_size": args.batch_size} if args.batch_size else {})}
    backbone = build_backbone(bb_cfg)
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cpus, torch threads {torch.get_num_threads()}",
           "video": f"640x360 {fps:g} fps, {n} frames ({duration:.1f} s)", "backbone": args.backbone,
           "batch_size": getattr(backbone, "batch_size", None), "stride": args.stride,
           "num_frames": args.num_frames, "frame_step": step}
    steps = {}

    def decode(width=None, height=None, indices=None):
        r = VideoReader(clip, width=width, height=height)
        return np.concatenate([f for _, f in r.iter_chunks(64, indices)])

    h, w = short_side_size(360, 640, backbone.input_size)
    sampled = np.arange(0, n, step)
    steps["decode_all_native"] = timed(lambda: decode(), 2)
    steps["decode_all_resized"] = timed(lambda: decode(w, h), 2)  # the decoder scales (what extraction does)
    steps["decode_sampled_resized"] = timed(lambda: decode(w, h, sampled), 2)
    native = steps["decode_all_native"]["out"][sampled]
    steps["resize_cv2_sampled"] = timed(lambda: prepare_frames(native, backbone.input_size, None), 2)
    parts = getattr(backbone, "parts", [backbone])  # a Stack loads each part's network
    networks = [p for p in parts if type(p).load_model is not Backbone.load_model]  # MotionStats has none
    steps["model_load"] = timed(lambda: [p.model for p in networks])
    frames = center_crop(steps["decode_sampled_resized"]["out"], backbone.input_size)
    if backbone.kind == "frame":
        steps["backbone_sampled"] = timed(lambda: backbone.forward_frames(frames), 2)

    cfg = dict(num_frames=args.num_frames, stride=args.stride, frame_step=args.frame_step)
    cold = feature_pipeline(bb_cfg, cache=work / "cache", **cfg)
    steps["cold"] = timed(lambda: cold.run(clip))
    res["features"] = list(steps["cold"]["out"]["features"].shape)
    cached = feature_pipeline(bb_cfg, cache=work / "cache", **cfg)
    steps["cached"] = timed(lambda: cached.run(clip))
    assert cached.computed["ExtractFeatures"] == 0

    counts = {"decode_all_native": n, "decode_all_resized": n, "decode_sampled_resized": len(sampled),
              "resize_cv2_sampled": len(sampled), "backbone_sampled": len(frames), "cold": n, "cached": n}
    for name, s in steps.items():
        s.pop("out")
        if name in counts:
            s["frames"] = counts[name]
            s["frames_per_s"] = counts[name] / s["wall_s"]
            s["x_realtime"] = duration / s["wall_s"]
            s["x_realtime_per_cpu_s"] = duration / max(s["cpu_s"], 1e-9)
    res["steps"] = steps
    res["cached_speedup"] = steps["cold"]["wall_s"] / steps["cached"]["wall_s"]

    if args.json:
        print(json.dumps(res, indent=2))
        return
    for k, v in res.items():
        if k != "steps":
            print(f"{k:>16}: {v:.4g}" if isinstance(v, float) else f"{k:>16}: {v}")
    print(f"{'step':>24} {'frames':>6} {'wall s':>8} {'cpu s':>8} {'frames/s':>9} {'x realtime':>10} "
          f"{'x rt/cpu-s':>10} {'load1':>6}")
    for name, s in steps.items():
        if "frames" in s:
            print(f"{name:>24} {s['frames']:>6} {s['wall_s']:>8.3f} {s['cpu_s']:>8.3f} {s['frames_per_s']:>9.1f} "
                  f"{s['x_realtime']:>10.2f} {s['x_realtime_per_cpu_s']:>10.2f} {s['load1']:>6.2f}")
        else:
            print(f"{name:>24} {'':>6} {s['wall_s']:>8.3f} {s['cpu_s']:>8.3f} {'':>9} {'':>10} {'':>10} "
                  f"{s['load1']:>6.2f}")


if __name__ == "__main__":
    main()
