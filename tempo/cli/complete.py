"""Fill holes in a video with Onion-Peel Networks (OPN + TCN, Oh et al. ICCV 2019).

The holes come from --mask (one image for every frame, a folder of per-frame images, or a mask video;
white/non-zero = hole) and/or --box x,y,w,h[@t0-t1] (frames, or seconds as 1.5s-3s; repeatable).
Only hole pixels change; everything else is the original frame. By default (tempo weights) the holes are first
filled by flow-guided propagation: each hole pixel is carried along dense optical flow to the nearest frames
where it is visible; the network fills only what no frame shows (--no-propagation: the network alone; the
official --opn path never propagates). Weights: without any, the embedded default
(tempo/weights/onion_peel_synth.safetensors: a half-width OPN trained on synthetic + real clips on a CPU; it has
no TCN, so no temporal smoothing); --checkpoint X.safetensors for other tempo weights (a tools/train.py export
with its .json); or the official OPN.pth (and TCN.pth) of the Onion-Peel Networks release via --opn/--tcn.
This command runs pipelines/complete.py (its flags become --cfg-options): the completed video is cached by the
input's and the mask's content, the settings and the weights' content.

  tempo complete in.mp4 --mask mask.png -o out.mp4
  tempo complete in.mp4 --mask mask.png --opn OPN.pth --tcn TCN.pth -o out.mp4
  tempo complete in.mp4 --box 100,40,80,60@0-120 --dilate 4 --size 240x424 --opn OPN.pth -o out.mp4
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from ..errors import UsageError
from ..io.outputs import check_video_output, default_video_output
from ..official import apply_model
from ..progress import progress_bar
from .common import print_json

HELP = "fill masked regions of a video (onion-peel networks)"


def add_arguments(parser) -> None:
    parser.add_argument("input", help="the video to complete")
    parser.add_argument("-o", "--output", help="output video, e.g. .mp4 .mkv .mov .avi (.webm: --codec vp9); checked "
                        "before any work (default: <input>_completed.mp4, .mkv for ffv1)")
    parser.add_argument("--mask", help="hole mask: an image (all frames), a folder of per-frame images, or a video")
    parser.add_argument("--box", action="append", default=[], metavar="X,Y,W,H[@T0-T1]",
                        help="a rectangular hole, optionally only on frames T0..T1 (or seconds: @1.5s-3s); repeatable")
    parser.add_argument("--dilate", type=int, default=0, metavar="PX",
                        help="grow the holes by PX pixels first (masks usually need a few; default 0)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--opn", type=Path, help="official OPN.pth weights")
    weights.add_argument("--model", help="official weights by name (tempo weights list): opn-davis = --opn OPN.pth "
                         "--tcn TCN.pth as fetched")
    weights.add_argument("--checkpoint", type=Path, help="tempo OPN weights (.safetensors with its .json); "
                         "default: the embedded tempo/weights/onion_peel_synth.safetensors")
    parser.add_argument("--tcn", type=Path, help="official TCN.pth weights (temporal smoothing; skipped if absent)")
    parser.add_argument("--size", default="native", metavar="HxW",
                        help="working size, e.g. 240x424 as the official demo (default: the video's own size)")
    parser.add_argument("--no-propagation", action="store_true",
                        help="skip the flow-guided propagation stage (always skipped with the official --opn)")
    parser.add_argument("--refine", choices=["opn", "telea"], default="opn",
                        help="what fills the pixels no frame shows after propagation: the network (default) or "
                        "OpenCV Telea (several times faster; measured within 0.1 dB of the network)")
    parser.add_argument("--radius", type=int, default=15, metavar="N",
                        help="propagation takes pixels from at most N frames away; bounds memory (15)")
    parser.add_argument("--mem-every", type=int, default=5, metavar="N", help="a memory frame every N frames (5)")
    parser.add_argument("--memory-frames", type=int, default=8, metavar="K",
                        help="at most K memory frames read per frame; bounds memory on long videos (8; 0 = all)")
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--codec", default="h264", choices=["h264", "mjpeg", "vp9", "ffv1"])
    parser.add_argument("--crf", type=int, default=18, help="quality for h264/vp9 (lower is better; 18)")


def parse_size(text: str) -> tuple[int, int] | None:
    if text in ("native", "", None):
        return None
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m or int(m.group(1)) < 8 or int(m.group(2)) < 8:
        raise UsageError(f"--size {text!r}: expected HEIGHTxWIDTH (e.g. 240x424, at least 8x8) or 'native'")
    return int(m.group(1)), int(m.group(2))


def overrides(args, size, device: str, dst: Path) -> dict:
    """The flags as ``--cfg-options`` of ``pipelines/complete.py``: ``tempo complete`` runs that config."""
    path = lambda p: None if p is None else str(p)  # noqa: E731
    return {f"OnionPeelComplete.{k}": v for k, v in {
        "mask": path(args.mask), "boxes": list(args.box), "dilate": args.dilate, "checkpoint": path(args.checkpoint),
        "opn": path(args.opn), "tcn": path(args.tcn), "size": list(size) if size else None,
        "mem_every": args.mem_every, "memory_frames": args.memory_frames, "propagation": not args.no_propagation,
        "refine": args.refine, "radius": args.radius, "device": device, "codec": args.codec, "crf": args.crf,
        "container": dst.suffix}.items()} | {"ExportVideo.output": str(dst)}


def run(args) -> int:
    from ..io import VideoReader
    from ..stages.complete import resolve_device
    from .pipelines import build, run_single

    apply_model(args, "complete")  # --model NAME -> --opn/--tcn of its fetched files
    if args.mask is None and not args.box:
        raise UsageError("say where the holes are: --mask PATH and/or --box x,y,w,h")
    if args.mem_every < 1 or args.memory_frames < 0:
        raise UsageError("--mem-every must be >= 1 and --memory-frames >= 0")
    if args.radius < 1:
        raise UsageError("--radius must be >= 1")
    size = parse_size(args.size)
    src = Path(args.input)
    dst = Path(args.output) if args.output else default_video_output(src, "completed", args.codec)
    if dst.resolve() == src.resolve():
        raise UsageError("the output would overwrite the input; choose another -o")
    check_video_output(dst, args.codec)  # before any decoding or model loading
    device = resolve_device(args.device)
    if args.threads:
        import torch

        torch.set_num_threads(max(1, args.threads))

    num_frames = len(VideoReader(src))  # fails early, as one line, on a missing or broken input
    pipeline = build("complete", overrides(args, size, device, dst))
    with progress_bar(f"completing {src.name}", total=num_frames) as advance:
        ctx, cached = run_single(pipeline, src, on_frame=lambda n: advance(n))
        if cached:
            advance(num_frames)
    summary = {"input": str(src), "output": str(dst), **ctx["complete_summary"], "cached": cached}
    if args.json:
        print_json(summary)
    elif summary["copied_through"]:
        print(f"{dst}: the mask is empty on every frame; copied {src} through unchanged", file=sys.stderr)
    elif cached:
        print(f"wrote {dst}: {summary['frames']} frames, {summary['frames_with_holes']} with holes, from the cache "
              "(completed before with these settings)")
    else:
        print(f"wrote {dst}: {summary['frames']} frames, {summary['frames_with_holes']} with holes, "
              f"{summary['frames_per_second']:.2f} frames/s")
    return 0
