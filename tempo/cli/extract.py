"""Extract backbone features from videos (cached by content) into feature files.

Layouts: ``detect`` writes <video>.npy (T×C, TriDet/ActionFormer) and ``ground`` writes <video>.npz with
key ``features`` (one row per --clip-len seconds, Moment-DETR/QVHighlights); both add <video>.json with
fps, stride, window length, duration and each feature's time span.
Output names: a video given as a file is written as <name>.npy; videos found in a folder given as input keep
their path relative to that folder (videos/a/x.mp4 -> OUT/a/x.npy, video id "a/x"), so same-named files in
different sub-folders never overwrite each other (see tempo/io/discover.py: video_ids).
Under ``torchrun --nproc_per_node N tempo extract ...`` each process takes every N-th video.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from .common import print_json, run_each

HELP = "extract backbone features from videos into .npy/.npz files (cached)"


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="+", help="video files and/or folders")
    parser.add_argument("-o", "--output", required=True, help="folder for the feature files")
    backbone = parser.add_argument("--backbone", default="EfficientNetLite0",
                                   help="one of %(backbones)s (default EfficientNetLite0, bundled weights; the "
                                        "mmaction2 ones and CLIPImage need --checkpoint)")
    backbone.backbones = _BackboneNames()  # argparse fills %(backbones)s from the action's own attributes
    parser.add_argument("--config", default=None,
                        help="mmaction2 config file (mmaction backbones); "
                             "CLIP config.json (CLIPImage + a checkpoint file)")
    parser.add_argument("--checkpoint", default=None,
                        help="backbone weights: an mmaction2 .pth; for CLIPImage a local Hugging Face CLIP folder "
                             "or a .safetensors/.bin file")
    parser.add_argument("--allow-random-init", action="store_true",
                        help="build a backbone without weights (testing only: features mean nothing)")
    parser.add_argument("--layout", choices=["detect", "ground", "centered"], default="detect",
                        help="detect: sliding windows (TriDet); ground: one row per --clip-len s (Moment-DETR); "
                             "centered: one row per --stride frames, each from a --num-frames window centred on it")
    parser.add_argument("--fps", type=float, default=None, help="decode rate (default: native)")
    parser.add_argument("--num-frames", type=int, default=16, help="frames per feature window (detect)")
    parser.add_argument("--stride", type=int, default=4, help="frames between feature windows (detect)")
    parser.add_argument("--frame-step", type=int, default=None,
                        help="per-frame backbones: sample every k-th frame (default: --stride)")
    parser.add_argument("--clip-len", type=float, default=2.0, help="seconds per feature (ground)")
    parser.add_argument("--size", type=int, default=None, help="short side after resize (default: backbone's)")
    parser.add_argument("--no-crop", action="store_true", help="keep the whole resized frame (no centre crop)")
    parser.add_argument("--fp16", action="store_true", help="store features as float16")


class _BackboneNames:
    """The registered backbones, looked up only when help is shown (registering them imports every backbone
    module, which every other command would otherwise pay for at start-up)."""

    def __str__(self) -> str:
        return ", ".join(backbone_names())


def backbone_names() -> list[str]:
    import tempo.features  # noqa: F401  (registers the backbones)
    from ..registry import BACKBONES

    return sorted(BACKBONES.module_dict)


def run(args) -> int:
    from ..features import feature_pipeline, write_features
    from ..features.distributed import distributed_group, shard
    from ..io.discover import video_ids
    from ..io.outputs import check_output_dir

    if args.backbone not in backbone_names():
        raise UsageError(f"unknown backbone {args.backbone!r}; choose from: {', '.join(backbone_names())}")
    if args.checkpoint and not Path(args.checkpoint).exists():  # a file, or a Hugging Face folder (CLIP)
        raise UsageError(f"{args.checkpoint}: checkpoint not found")
    out_dir = check_output_dir(args.output)
    ids = video_ids(args.inputs)  # every rank names every video the same way; clashes stop here
    vid_of = {str(p): vid for p, vid in ids}
    extra = {"allow_random_init": True} if args.allow_random_init else {}
    try:
        pipeline = feature_pipeline(args.backbone, config=args.config, checkpoint=args.checkpoint,
                                    backbone_kwargs=extra, layout=args.layout, fps=args.fps,
                                    num_frames=args.num_frames, stride=args.stride, frame_step=args.frame_step,
                                    clip_len=args.clip_len, size=args.size, crop=not args.no_crop, fp16=args.fp16)
        pipeline.stages[0].backbone  # unknown names and missing checkpoints fail here, once
    except (KeyError, ValueError, TypeError) as exc:
        raise UsageError(f"backbone {args.backbone!r}: {exc}") from None

    def one(path: Path) -> dict:
        ctx = pipeline.run(path)
        vid = vid_of[str(path)]
        meta = {**ctx["feature_meta"], "spans": ctx["spans"], "video": str(path), "video_id": vid}
        files = write_features(out_dir, vid, ctx["features"], meta)
        return {"video": str(path), "video_id": vid, "features": str(files[0]),
                "shape": list(ctx["features"].shape)}

    with distributed_group() as (rank, world):
        paths = shard([p for p, _ in ids], rank, world)
        label = "extracting features" + (f" (rank {rank}/{world})" if world > 1 else "")
        result = run_each(paths, one, label, debug=args.debug)
    if args.json:
        print_json({"results": list(result.ok.values()), "failed": result.failed,
                    "computed": dict(pipeline.computed), "rank": rank, "world_size": world})
    else:
        for r in result.ok.values():
            print(f"{r['video']}: {r['shape'][0]}x{r['shape'][1]} -> {r['features']}")
    return result.exit_code
