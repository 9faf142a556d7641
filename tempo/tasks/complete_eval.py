"""``tempo evaluate complete``: hole-region PSNR/SSIM of video completion on a ``tempo synth --task complete``
split, for the model and the classical baselines of ``complete_baselines`` (Telea, NS, propagation, flow).
The model is the embedded default (``tempo/weights/onion_peel_synth.safetensors``) unless --opn (official
``OPN.pth``) or --checkpoint (tempo ``.safetensors`` + .json) names other weights; --baselines-only skips it.
With tempo weights the model runs as ``tempo complete`` does by default: flow-guided propagation first, the
OPN on what no frame shows ("prop+opn"); --no-propagation (or official --opn) runs the OPN alone.

Every method sees the frames with the hole pixels zeroed (no leak of the ground truth) and is scored
against the clean frames on the hole pixels only (``tempo.eval.image_quality``). Temporal stability
(``temporal_change``): the mean absolute frame-to-frame change of the result on the pixels that are hole in
either of two consecutive frames, next to the clean video's change there ("gt_change") and the mean absolute
difference of the two changes ("temporal_error", lower = closer to the true motion, less flicker).
"""
from __future__ import annotations

import json
import time
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
    parser.add_argument("--baselines", default="telea,ns,propagation,flow",
                        help="comma-separated baselines to run (telea, ns, propagation, flow; '' for none)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N clips")
    parser.add_argument("--no-propagation", action="store_true",
                        help="run tempo weights without the flow-guided propagation stage (the OPN alone)")


def load_clip(data: Path, rec: dict) -> tuple[np.ndarray, np.ndarray]:
    from ..io import VideoReader

    video, mask = data / rec["video"], data / rec["mask"]
    for p in (video, mask):
        if not p.is_file():
            raise InputError(p, "file not found")
    frames = VideoReader(str(video)).get_frames(list(range(rec["num_frames"])))
    masks = VideoReader(str(mask)).get_frames(list(range(rec["num_frames"])))
    return frames, masks[..., 0] >= 128


def temporal_change(clean: np.ndarray, out: np.ndarray, holes: np.ndarray) -> dict:
    """Frame-to-frame change inside the holes (pixels that are hole at t or t-1), in grey levels."""
    out_c = gt_c = err = 0.0
    count = 0
    for t in range(1, len(out)):
        m = holes[t] | holes[t - 1]
        if not m.any():
            continue
        d_out = out[t][m].astype(np.float64) - out[t - 1][m]
        d_gt = clean[t][m].astype(np.float64) - clean[t - 1][m]
        out_c += np.abs(d_out).mean()
        gt_c += np.abs(d_gt).mean()
        err += np.abs(d_out - d_gt).mean()
        count += 1
    if not count:
        return {"change": float("nan"), "gt_change": float("nan"), "temporal_error": float("nan"), "pairs": 0}
    return {"change": out_c / count, "gt_change": gt_c / count, "temporal_error": err / count, "pairs": count}


def evaluate(data, split="test", opn=None, tcn=None, config=DEFAULT_CONFIG,
             baselines=("telea", "ns", "propagation"), limit=None, checkpoint=None, model=None,
             propagation: bool | None = None) -> dict:
    """Scores per method. ``opn`` (official .pth) or ``checkpoint`` (tempo .safetensors) name the OPN weights;
    ``model``: run the OPN at all (default: when weights are named; ``True`` with none = the embedded default).
    ``propagation``: flow-guided propagation before the OPN (default: yes for tempo weights, no for --opn)."""
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
        if propagation is None:
            propagation = opn is None
        if propagation:
            from ..models.onion_peel.prop_completer import PropagationCompleter

            completer = PropagationCompleter(network=completer)

        def ours(frames, holes):
            return np.stack([c.image for c in completer.run(len(frames), lambda idx: frames[list(idx)],
                                                              lambda i: holes[i])])
        name = "opn+tcn" if tcn else "opn"
        methods = {("prop+" if propagation else "") + name: ours, **methods}
    sums = {m: {"psnr": 0.0, "ssim": 0.0, "frames": 0, "temporal_error": 0.0, "change": 0.0, "gt_change": 0.0,
                "pairs": 0} for m in methods}
    per_clip = []
    for vid, rec in clips:
        clean, holes = load_clip(data, rec)
        given = clean.copy()
        given[holes] = 0  # the methods must not see the ground truth in the holes
        row = {"vid": vid}
        for name, fn in methods.items():
            start = time.perf_counter()
            out = fn(given, holes)
            q = {**video_quality(clean, out, holes), **temporal_change(clean, out, holes),
                 "seconds": round(time.perf_counter() - start, 3)}
            row[name] = q
            if q["frames"]:
                for k in ("psnr", "ssim"):
                    sums[name][k] += q[k] * q["frames"]
                sums[name]["frames"] += q["frames"]
            if q["pairs"]:
                for k in ("temporal_error", "change", "gt_change"):
                    sums[name][k] += q[k] * q["pairs"]
                sums[name]["pairs"] += q["pairs"]
        per_clip.append(row)
    mean = lambda s, k, n: s[k] / s[n] if s[n] else float("nan")  # noqa: E731
    summary = {m: {"psnr": mean(s, "psnr", "frames"), "ssim": mean(s, "ssim", "frames"), "frames": s["frames"],
                   "temporal_error": mean(s, "temporal_error", "pairs"), "change": mean(s, "change", "pairs"),
                   "gt_change": mean(s, "gt_change", "pairs")}
               for m, s in sums.items()}
    return {"split": split, "clips": len(clips), "methods": summary, "per_clip": per_clip}


def format_table(result: dict) -> str:
    lines = [f"{'method':<12} {'hole PSNR':>10} {'hole SSIM':>10} {'frames':>7} {'temp.err':>9} {'change':>7} "
             f"{'(gt)':>6}   ({result['clips']} clips, split {result['split']})"]
    lines += [f"{m:<12} {q['psnr']:>10.2f} {q['ssim']:>10.4f} {q['frames']:>7} {q['temporal_error']:>9.2f} "
              f"{q['change']:>7.2f} {q['gt_change']:>6.2f}" for m, q in result["methods"].items()]
    methods = list(result["methods"])
    lines.append("per clip, hole PSNR: " + "  ".join(methods))
    for row in result["per_clip"]:
        lines.append(f"  {row['vid']:<32} " + "  ".join(f"{row[m]['psnr']:6.2f}" for m in methods))
    return "\n".join(lines)


def run(args) -> int:
    baselines = tuple(b for b in (args.baselines or "").split(",") if b)
    if args.tcn and args.baselines_only:
        raise UsageError("--tcn needs the model; drop --baselines-only")
    result = evaluate(args.data, args.split, args.opn, args.tcn, args.config, baselines, args.limit,
                      checkpoint=args.checkpoint, model=not args.baselines_only,
                      propagation=False if args.no_propagation else None)
    print(json.dumps(result, indent=2) if getattr(args, "json", False) else format_table(result))
    return 0
