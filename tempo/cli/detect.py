"""Detect actions in videos with TriDet: video → features (cached) → segments.

Writes, per video, <stem>.json (segments in seconds, label, score) and .csv with every detection, .srt/.vtt
subtitles with the confident ones (score >= 0.2, at most 3 labels per cue, cues never overlap) and a .png
timeline into the output folder. Videos found in a folder keep their path under it
(videos/a/x.mp4 -> OUT/a/x.json); two inputs that would share an output name are refused before anything
runs. Without --checkpoint the embedded default is used: TriDet trained on tempo's synthetic benchmark, reading
`Stack` features (MotionStats flow statistics + tempo's ActionClipNet). It knows only the 13 synthetic actions
of coloured shapes (move_left, grow, blink, ...): on real footage its labels mean nothing. For real actions use
official TriDet weights with the features they were trained on (third example).

Examples:
  tempo detect clip.mp4 -o detections/
  tempo detect videos/ --model tridet-thumos14-i3d --dtype bfloat16   # bfloat16 network: close results, faster
  tempo detect videos/ --min-score 0.3 --formats json,csv
  tempo detect clip.mp4 --config configs/tridet/thumos14_i3d.py --checkpoint tridet.pth.tar --features clip_i3d.npy
  tempo detect clip.mp4 --config configs/tridet/thumos14_i3d.py --checkpoint tridet.pth.tar \
      --i3d-rgb rgb_imagenet.pt --i3d-flow flow_imagenet.pt   # features from the video: two-stream I3D (TV-L1)
  tempo detect clip.mp4 --model tridet-thumos14-i3d   # the same, files of `tempo weights info tridet-thumos14-i3d`
  torchrun --nproc_per_node 2 -m tempo detect videos/ -o detections/   # ranks split the videos (see tempo run)
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..io.discover import video_ids
from ..io.outputs import check_output_dir
from ..official import apply_model
from .common import cores_shared_by, print_json

HELP = "detect actions in videos (TriDet); writes JSON/CSV/SRT/WebVTT/PNG"
FORMATS = ("json", "csv", "srt", "vtt", "png")


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="*", help="video files and/or folders")
    parser.add_argument("--sample", action="store_true", help="run on the sample clip shipped with tempo")
    parser.add_argument("-o", "--output", default="detections",
                        help="output folder (default: ./detections); checked before any work")
    parser.add_argument("--config", help="model config (tempo .py or official merged .json) for --checkpoint "
                        "(a .py config runs as Python: only trusted ones)")
    parser.add_argument("--checkpoint", help="tempo .safetensors bundle or official TriDet .pth.tar")
    parser.add_argument("--model", help="official weights by name (tempo weights list), e.g. tridet-thumos14-i3d; "
                        "sets --checkpoint and --config")
    parser.add_argument("--features", help="precomputed T×C .npy features (one input video only)")
    parser.add_argument("--min-score", type=float, default=0.05, help="drop detections below this score")
    parser.add_argument("--top-k", type=int, default=None, help="keep at most this many detections per video")
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"comma list of {', '.join(FORMATS)}")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--dtype", default=None, choices=["float32", "bfloat16", "float16"],
                        help="the network's precision: float32 (default; the official's, parity-tested), bfloat16 "
                        "(convolutions as bfloat16 GEMMs, output layers float32; close but not identical detections; "
                        "pays on big networks and long videos on CPUs with AVX512-BF16 or AMX, e.g. official TriDet "
                        "THUMOS14 end to end in 0.44x the official's time on a Xeon with AMX, not on the small "
                        "embedded default) or float16 (CUDA only); decoding and NMS run in float32 either way")
    parser.add_argument("--batch", type=int, default=1, metavar="N",
                        help="videos of a folder processed at once, each on its own thread with 1/N of the torch "
                        "threads (default 1: one video at a time using every thread); the same files in the same "
                        "order, scores and times equal to ~1e-6 (fewer threads per video sum in another order); "
                        "--batch 2 ran a folder of 20 short clips 1.5x faster on 2 cores")
    i3d = parser.add_argument_group("two-stream I3D features from the video (official THUMOS14 TriDet)")
    i3d.add_argument("--i3d-rgb", help="I3D RGB weights: pytorch-i3d's rgb_imagenet.pt (Kinetics Inception-I3D, "
                     "1024-d; told by its keys) or an mmaction2 .pth")
    i3d.add_argument("--i3d-flow", help="I3D optical-flow weights: pytorch-i3d's flow_imagenet.pt or an mmaction2 .pth")
    i3d.add_argument("--i3d-rgb-config", help="an mmaction2 config for --i3d-rgb (default configs/tridet/i3d_rgb.py "
                     "for mmaction2 files; Python: runs as code)")
    i3d.add_argument("--i3d-flow-config", help="an mmaction2 config for --i3d-flow (default configs/tridet/i3d_flow.py "
                     "for mmaction2 files; Python: runs as code)")
    i3d.add_argument("--flow", choices=("tvl1", "dis"), default=None,
                     help="optical flow: tvl1 (default; what the models were trained on, slow on CPU) or dis (fast)")


I3D_FLAGS = {"i3d_rgb": "rgb_checkpoint", "i3d_flow": "flow_checkpoint", "i3d_rgb_config": "rgb_config",
             "i3d_flow_config": "flow_config", "flow": "flow_method"}


def i3d_settings(args) -> dict:
    """--i3d-* / --flow as settings of the I3DTwoStream feature backbone ({}: the config's own backbone)."""
    return {key: str(getattr(args, flag)) for flag, key in I3D_FLAGS.items() if getattr(args, flag, None)}


def overrides(args, formats: list[str]) -> dict:
    """The flags as ``--cfg-options`` of ``pipelines/detect.py``: ``tempo detect`` runs that config."""
    return {"detector.checkpoint": args.checkpoint, "detector.config": args.config, "detector.device": args.device,
            "detector.dtype": getattr(args, "dtype", None), "detector.i3d": i3d_settings(args),
            "DetectorFeatures.features_file": args.features,
            "DetectionPost.min_score": args.min_score,
            "DetectionPost.top_k": args.top_k, "ExportDetections.formats": formats}


def run(args) -> int:
    from ..assets import SAMPLE_VIDEO
    from ..tasks.detect import shared_detector
    from ..tasks.vocabulary import detector_note
    from .pipelines import build

    from ..models.common.precision import resolve_dtype
    from ..stages.complete import resolve_device

    args.device = resolve_device(args.device)  # --device cuda without CUDA: one line before any work
    resolve_dtype(args.dtype, args.device)  # --dtype float16 on the CPU, bfloat16 on a GPU without it: the same
    apply_model(args, "detect")  # --model NAME -> --checkpoint/--config (and the I3D files when present)
    if args.model and not args.features:
        _need_feature_files(args)
    inputs = list(args.inputs) + ([str(SAMPLE_VIDEO)] if args.sample else [])
    if not inputs:
        raise UsageError("give video files or folders (or --sample)")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if set(formats) - set(FORMATS):
        raise UsageError(f"unknown formats {sorted(set(formats) - set(FORMATS))}; choose from {', '.join(FORMATS)}")
    if args.features:
        # precomputed features: the video itself is only a name (it may live elsewhere)
        if len(inputs) != 1:
            raise UsageError("--features works with exactly one input video")
        ids = [(Path(inputs[0]), Path(inputs[0]).stem)]
    else:
        ids = video_ids(inputs)  # videos found in folders keep their sub-folders; name clashes stop here
    out_dir = check_output_dir(args.output)
    # loaded here, not on first use, so a bad checkpoint is one line before any video is touched
    detector = shared_detector(args.checkpoint, args.config, args.device)
    if not args.features:  # the feature networks too: wrong or missing files are one line before any decoding
        from ..tasks.detect import check_feature_dim, detector_feature_cfg, with_i3d

        check_feature_dim(detector, with_i3d(detector_feature_cfg(args.checkpoint, args.config), i3d_settings(args)),
                          args.config or args.checkpoint)
    note = detector_note(detector.classes, detector.bundle)
    if note:  # it labels any footage with its synthetic classes: say so before the results
        print(note, file=sys.stderr)

    if args.batch < 1:
        raise UsageError(f"--batch {args.batch}: give a number of videos >= 1")
    workers = min(args.batch, len(ids))
    with cores_shared_by(workers):
        result = detect_all(build("detect", overrides(args, formats)), ids, out_dir, debug=args.debug,
                            workers=workers)
    if result.rank:  # under torchrun rank 0 holds and reports every rank's results
        return 0
    if args.json:
        print_json({"results": list(result.ok.values()), "failed": result.failed})
    else:
        for res in result.ok.values():
            print(f"{res['video']}: {len(res['detections'])} detections")
            for d in res["detections"][:10]:
                print(f"  {d['start']:8.2f} – {d['end']:8.2f} s  {d['label']:<20} {d['score']:.3f}")
            if len(res["detections"]) > 10:
                print(f"  … {len(res['detections']) - 10} more in {out_dir}")
    return result.exit_code


def _need_feature_files(args) -> None:
    """A named model making its features from the video needs its optional feature networks: say which, and where."""
    from ..official.registry import file_path, get_model

    model = get_model(args.model)
    missing = [f for f in model["files"] if f.get("optional") and not getattr(args, f["role"], None)]
    if missing:
        where = ", ".join(str(file_path(model, f)) for f in missing)
        flags = " and ".join("--" + f["role"].replace("_", "-") for f in missing)
        raise UsageError(f"--model {model['name']} makes its features from the video with files not found: {where} "
                         f"(give them with {flags}, see tempo weights info {model['name']}), or pass --features X.npy")


def detect_all(pipeline, ids: list, out_dir: Path, debug: bool = False, overlap: bool = True, workers: int = 1):
    """Run the detect pipeline on every ``(path, output id)``; a video's exports (the PNG timeline is most of their
    time) are written on a background thread while the next video is decoded and featurised (``overlap=False``:
    one after the other, same files, same order); ``workers`` videos are decoded, featurised and run at once
    (``--batch``), results still in input order."""
    from .pipelines import run_over

    def finish(path: Path, ctx: dict) -> dict:
        return {"video": str(path), "detections": ctx["detections"], "files": ctx["files"]}

    return run_over(pipeline, ids, out_dir, finish, "detecting", debug=debug, overlap=overlap, workers=workers)
