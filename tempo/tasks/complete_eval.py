"""``tempo evaluate complete``: hole-region PSNR/SSIM of video completion on a ``tempo synth --task complete``
split, for OPN(+TCN) and the classical baselines of ``complete_baselines`` (Telea, NS, propagation).
The model is the embedded default (``tempo/weights/onion_peel_synth.safetensors``) unless --opn (official
``OPN.pth``) or --checkpoint (tempo ``.safetensors`` + .json) names other weights; --baselines-only skips it.

Every method sees the frames with the hole pixels zeroed (no leak of the ground truth) and is scored
against the clean frames on the hole pixels only (``tempo.eval.image_quality``).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError

HELP = "hole-region PSNR/SSIM of OPN and baselines (Telea, NS, propagation) on a synth complete split"
SUBSETS = {"train": "training", "val": "validation", "test": "testing"}
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "onion_peel" / "opn_tcn_streaming.py"


def add_arguments(parser) -> None:
    parser.add_argument("--split", default="test", choices=sorted(SUBSETS), help="split (default test)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--opn", help="official OPN.pth weights")
    weights.add_argument("--checkpoint", help="tempo OPN weights (.safetensors with its .json; a tools/train.py "
                         "export or a bundle); default: the embedded tempo/weights/onion_peel_synth.safetensors")
    weights.add_argument("--baselines-only", action="store_true", help="score only the baselines")
    parser.add_argument("--tcn", help="TCN weights (official TCN.pth), optional")
    parser.add_argument("--config", default=str(DEFAULT_CONFIG), help="onion_peel config (default streaming)")
    parser.add_argument("--baselines", default="telea,ns,propagation",
                        help="comma-separated baselines to run (telea, ns, propagation; '' for none)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N clips")


def load_clip(data: Path, rec: dict) -> tuple[np.ndarray, np.ndarray]:
    from ..io import VideoReader

    video, mask = data / rec["video"], data / rec["mask"]
    for p in (video, mask):
        if not p.is_file():
            raise InputError(p, "file not found")
    frames = VideoReader(str(video)).get_frames(list(range(rec["num_frames"])))
    masks = VideoReader(str(mask)).get_frames(list(range(rec["num_frames"])))
    return frames, masks[..., 0] >= 128


def evaluate(data, split="test", opn=None, tcn=None, config=DEFAULT_CONFIG,
             baselines=("telea", "ns", "propagation"), limit=None, checkpoint=None, model=None) -> dict:
    """Scores per method. ``opn`` (official .pth) or ``checkpoint`` (tempo .safetensors) name the OPN weights;
    ``model``: run the OPN at all (default: when weights are named; ``True`` with none = the embedded default)."""
    from ..eval.image_quality import video_quality
    from .complete_baselines import BASELINES

    data = Path(data)
    ann = data / "annotations" / "complete.json"
    if not ann.is_file():
        raise InputError(ann, "annotation file not found (make one with `tempo synth --task complete`)")
    clips = [(vid, r) for vid, r in json.loads(ann.read_text())["clips"].items() if r["subset"] == SUBSETS[split]]
    clips = clips[:limit]
    if not clips:
        raise InputError(ann, f"no clips in split {split!r}")
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise UsageError(f"unknown baseline(s) {unknown}; choose from {sorted(BASELINES)}")
    methods = {b: BASELINES[b] for b in baselines}
    weights = opn or checkpoint
    if model is None:
        model = weights is not None
    if model:
        from ..models.onion_peel import build_completer

        completer = build_completer(config, weights, tcn)

        def ours(frames, holes):
            return np.stack([c.image for c in completer.run(len(frames), lambda idx: frames[list(idx)],
                                                              lambda i: holes[i])])
        methods = {"opn+tcn" if tcn else "opn": ours, **methods}
    sums = {m: {"psnr": 0.0, "ssim": 0.0, "frames": 0} for m in methods}
    per_clip = []
    for vid, rec in clips:
        clean, holes = load_clip(data, rec)
        given = clean.copy()
        given[holes] = 0  # the methods must not see the ground truth in the holes
        row = {"vid": vid}
        for name, fn in methods.items():
            q = video_quality(clean, fn(given, holes), holes)
            row[name] = q
            if q["frames"]:
                for k in ("psnr", "ssim"):
                    sums[name][k] += q[k] * q["frames"]
                sums[name]["frames"] += q["frames"]
        per_clip.append(row)
    summary = {m: {"psnr": s["psnr"] / s["frames"] if s["frames"] else float("nan"),
                   "ssim": s["ssim"] / s["frames"] if s["frames"] else float("nan"), "frames": s["frames"]}
               for m, s in sums.items()}
    return {"split": split, "clips": len(clips), "methods": summary, "per_clip": per_clip}


def format_table(result: dict) -> str:
    lines = [f"{'method':<12} {'hole PSNR':>10} {'hole SSIM':>10} {'frames':>7}   ({result['clips']} clips, "
             f"split {result['split']})"]
    lines += [f"{m:<12} {q['psnr']:>10.2f} {q['ssim']:>10.4f} {q['frames']:>7}" for m, q in result["methods"].items()]
    return "\n".join(lines)


def run(args) -> int:
    baselines = tuple(b for b in (args.baselines or "").split(",") if b)
    if args.tcn and args.baselines_only:
        raise UsageError("--tcn needs the model; drop --baselines-only")
    result = evaluate(args.data, args.split, args.opn, args.tcn, args.config, baselines, args.limit,
                      checkpoint=args.checkpoint, model=not args.baselines_only)
    print(json.dumps(result, indent=2) if getattr(args, "json", False) else format_table(result))
    return 0
