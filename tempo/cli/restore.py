"""Restore a degraded video (noise, blur, low resolution, compression) with SeedVR / SeedVR2.

Any length and resolution with bounded memory: frames stream through overlapping temporal chunks
(cross-faded) and, for large frames, overlapping spatial tiles (feathered). fps and audio are kept.
Without --checkpoint the embedded default (tempo/weights/seedvr_synth.safetensors) is used.
This command runs pipelines/restore.py (its flags become --cfg-options): the restored video is cached by the
input's content, the settings and the weights' content, so the same command again only copies it out.

  tempo restore in.mp4 -o out.mp4
  tempo restore in.mp4 -o out.mp4 --checkpoint work_dirs/synth_tiny/final.safetensors --tile 256
  tempo restore in.mp4 --steps 4          # multi-step sampling (models trained with mode="flow")
  tempo restore in.mp4 --device cuda      # on a GPU: bfloat16 there by default, as the official inference
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..io.outputs import check_video_output, default_video_output
from ..official import apply_model
from ..progress import progress_bar
from .common import print_json

HELP = "restore a degraded video (SeedVR diffusion transformer, streaming, any length/size)"


def add_arguments(parser) -> None:
    parser.add_argument("input", help="the video to restore")
    parser.add_argument("-o", "--output", help="output video, e.g. .mp4 .mkv .mov .avi (.webm: --codec vp9); checked "
                        "before any work (default: <input>_restored.mp4, .mkv for ffv1)")
    parser.add_argument("--checkpoint", type=Path, help="tempo SeedVR weights (.safetensors with its .json); "
                        "default: the embedded tempo/weights/seedvr_synth.safetensors")
    parser.add_argument("--model", help="official weights by name, fetched with `tempo weights fetch NAME` "
                        "(seedvr2-3b, seedvr2-7b, seedvr-3b, seedvr-7b); --checkpoint also takes the official "
                        "files: their folder or the DiT .pth with ema_vae.pth, pos_emb.pt, neg_emb.pt beside it")
    parser.add_argument("--config", type=Path, help="mmengine config describing the model (its `restorer`), "
                        "instead of the JSON beside the weights (a .py config runs as Python: only trusted ones)")
    parser.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's own)")
    parser.add_argument("--one-step", action="store_true", help="SeedVR2-style one-step restoration (= --steps 1)")
    parser.add_argument("--tile", type=int, default=512, metavar="PX",
                        help="process frames larger than PX in overlapping PX x PX tiles (0 = whole frames; 512)")
    parser.add_argument("--tile-overlap", type=int, default=32, metavar="PX", help="tile overlap (32)")
    parser.add_argument("--chunk", type=int, default=21, metavar="N", help="frames per temporal chunk (21)")
    parser.add_argument("--overlap", type=int, default=4, metavar="N", help="frames shared by chunks, blended (4)")
    parser.add_argument("--seed", type=int, default=None, help="noise seed (default: the model's own)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda when available)")
    parser.add_argument("--dtype", default=None, choices=["float32", "bfloat16", "float16"],
                        help="the networks' precision; bfloat16 as the official inference: the DiT under autocast, the "
                        "VAE's weights cast; float16 only on CUDA (default: bfloat16 on CUDA, float32 on the CPU)")
    parser.add_argument("--codec", default="h264", choices=["h264", "mjpeg", "vp9", "ffv1"])
    parser.add_argument("--crf", type=int, default=18, help="quality for h264/vp9 (lower is better; 18)")


def overrides(args, steps, dst: Path, device: str | None = None, dtype: str | None = None) -> dict:
    """The flags as ``--cfg-options`` of ``pipelines/restore.py``: ``tempo restore`` runs that config."""
    return {"SeedVRRestore.device": device, "SeedVRRestore.dtype": dtype,
            "SeedVRRestore.checkpoint": args.checkpoint and str(args.checkpoint),
            "SeedVRRestore.config": args.config and str(args.config), "SeedVRRestore.steps": steps,
            "SeedVRRestore.seed": args.seed, "SeedVRRestore.tile": args.tile,
            "SeedVRRestore.tile_overlap": args.tile_overlap, "SeedVRRestore.chunk": args.chunk,
            "SeedVRRestore.overlap": args.overlap, "SeedVRRestore.codec": args.codec, "SeedVRRestore.crf": args.crf,
            "SeedVRRestore.container": dst.suffix, "ExportVideo.output": str(dst)}


def run(args) -> int:
    from ..io import VideoReader
    from ..models.seedvr.precision import resolve_dtype
    from ..stages.complete import resolve_device
    from .pipelines import build, run_single

    if args.one_step and args.steps not in (None, 1):
        raise UsageError("--one-step and --steps N > 1 contradict each other")
    steps = 1 if args.one_step else args.steps
    if args.tile < 0 or args.tile_overlap < 0:
        raise UsageError("--tile and --tile-overlap must be >= 0")
    if steps is not None and steps < 1:
        raise UsageError("--steps must be >= 1")
    device = resolve_device(args.device)  # --device cuda without CUDA, --dtype float16 on the CPU: one line, no work
    dtype = resolve_dtype(args.dtype, device)
    src = Path(args.input)
    dst = Path(args.output) if args.output else default_video_output(src, "restored", args.codec)
    if dst.resolve() == src.resolve():
        raise UsageError("the output would overwrite the input; choose another -o")
    check_video_output(dst, args.codec)  # before any decoding or model loading
    if args.threads:
        import torch

        torch.set_num_threads(max(1, args.threads))
    num_frames = len(VideoReader(src))  # fails early, as one line, on a missing or broken input
    apply_model(args, "restore")  # --model NAME -> --checkpoint <its fetched folder>
    pipeline = build("restore", overrides(args, steps, dst, device, dtype))
    with progress_bar(f"restoring {src.name}", total=num_frames) as advance:
        # a bad checkpoint fails before any frame is decoded; from the cache, nothing is loaded
        ctx, cached = run_single(pipeline, src, preload=lambda stage: stage.restorer, on_frame=advance)
        if cached:
            advance(num_frames)
    summary = {"input": str(src), "output": str(dst), **ctx["restore_summary"], "device": device, "dtype": dtype,
               "cached": cached}
    if args.json:
        print_json(summary)
    elif cached:
        print(f"wrote {dst}: {summary['frames']} frames, from the cache (restored before with these settings)")
    else:
        print(f"wrote {dst}: {summary['frames']} frames, {summary['frames_per_second']:.2f} frames/s "
              f"({summary['steps']} step{'s' if summary['steps'] != 1 else ''}, {device}, {dtype})", file=sys.stdout)
    return 0
