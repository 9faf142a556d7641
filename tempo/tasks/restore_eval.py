"""``tempo evaluate restore``: PSNR/SSIM against the clean clips of a ``tempo synth --task restore`` split,
for the degraded input itself (``identity``), classical baselines (``restore_baselines``) and the SeedVR
restorer (the embedded default weights, or ``--checkpoint``).

Scores are means over all frames of the split (``tempo.eval.image_quality``), overall and per degradation
kind. Any folder of the same layout works (clean/, degraded/, annotations/restore.json), e.g. real footage
degraded with ``tempo.models.seedvr.train_data.write_degraded_pairs``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError

HELP = "PSNR/SSIM of the degraded input, classical baselines and SeedVR on a synth restore split"
SUBSETS = {"train": "training", "val": "validation", "test": "testing"}


def add_arguments(parser) -> None:
    parser.add_argument("--split", default="test", choices=sorted(SUBSETS), help="split (default test)")
    parser.add_argument("--checkpoint", help="SeedVR weights (.safetensors + .json); default: the embedded ones")
    parser.add_argument("--config", help="mmengine config describing the model, instead of the JSON beside it")
    parser.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's own)")
    parser.add_argument("--no-model", action="store_true", help="only the input and the classical baselines")
    parser.add_argument("--baselines", default="identity,bicubic,hqdn3d,nlmeans",
                        help="comma-separated: identity, bicubic, hqdn3d[=opts], nlmeans[=opts] ('' for none)")
    parser.add_argument("--tile", type=int, default=512, help="SeedVR spatial tile (0 = whole frames; 512)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N clips")


def load_pair(data: Path, rec: dict) -> tuple[np.ndarray, np.ndarray]:
    from ..io import VideoReader

    clean_p, bad_p = data / rec["clean"], data / rec["degraded"]
    for p in (clean_p, bad_p):
        if not p.is_file():
            raise InputError(p, "file not found")
    clean, bad = VideoReader(str(clean_p)), VideoReader(str(bad_p))
    n = min(len(clean), len(bad), int(rec.get("num_frames") or len(clean)))
    a, b = clean.get_frames(range(n)), bad.get_frames(range(n))
    if a.shape != b.shape:
        raise InputError(bad_p, f"frame size {b.shape[1:3]} differs from the clean clip's {a.shape[1:3]}")
    return a, b


def _mean(rows: list[dict]) -> dict:
    frames = sum(r["frames"] for r in rows)
    if not frames:
        return {"psnr": float("nan"), "ssim": float("nan"), "frames": 0}
    return {k: sum(r[k] * r["frames"] for r in rows) / frames for k in ("psnr", "ssim")} | {"frames": frames}


def evaluate(data, split="test", checkpoint=None, config=None, steps=None, use_model=True,
             baselines=("identity", "bicubic", "hqdn3d", "nlmeans"), tile=512, limit=None) -> dict:
    from ..eval.image_quality import video_quality
    from .restore_baselines import baseline

    data = Path(data)
    ann = data / "annotations" / "restore.json"
    if not ann.is_file():
        raise InputError(ann, "annotation file not found (make one with `tempo synth --task restore`)")
    clips = [(vid, r) for vid, r in json.loads(ann.read_text())["clips"].items() if r["subset"] == SUBSETS[split]]
    clips = clips[:limit]
    if not clips:
        raise InputError(ann, f"no clips in split {split!r}")
    try:
        methods = {b: baseline(b) for b in baselines}
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    model_info = None
    if use_model:
        from .restore import load_restorer

        restorer, cfg = load_restorer(checkpoint, config, steps)
        name = f"seedvr ({restorer.steps}-step)"
        model_info = {"name": name, "checkpoint": str(checkpoint or "default"), "steps": restorer.steps}
        methods[name] = lambda frames: np.stack(list(restorer.restore_frames(iter(frames), tile=tile or None)))
    rows = {m: [] for m in methods}
    per_clip = []
    for vid, rec in clips:
        clean, bad = load_pair(data, rec)
        row = {"vid": vid, "kind": rec.get("kind")}
        for name, fn in methods.items():
            q = video_quality(clean, fn(bad))
            row[name] = q
            rows[name].append(q | {"kind": rec.get("kind")})
        per_clip.append(row)
    kinds = sorted({r.get("kind") for _, r in clips if r.get("kind")})
    by_kind = {k: {m: _mean([q for q in rows[m] if q["kind"] == k]) for m in methods} for k in kinds}
    return {"split": split, "clips": len(clips), "model": model_info,
            "methods": {m: _mean(rows[m]) for m in methods}, "by_kind": by_kind, "per_clip": per_clip}


def format_table(result: dict) -> str:
    lines = [f"{'method':<22} {'PSNR':>7} {'SSIM':>7} {'frames':>7}   ({result['clips']} clips, split "
             f"{result['split']})"]
    for m, q in result["methods"].items():
        label = "identity (input)" if m == "identity" else m
        lines.append(f"{label:<22} {q['psnr']:>7.2f} {q['ssim']:>7.4f} {q['frames']:>7}")
    return "\n".join(lines)


def run(args) -> int:
    from .restore import DEFAULT_WEIGHTS

    baselines = tuple(b.strip() for b in (args.baselines or "").split(",") if b.strip())
    use_model = not args.no_model
    if use_model and args.checkpoint is None and not DEFAULT_WEIGHTS.is_file():
        print(f"note: {DEFAULT_WEIGHTS} is not installed; scoring the baselines only (pass --checkpoint)",
              file=sys.stderr)
        use_model = False
    result = evaluate(args.data, args.split, args.checkpoint, args.config, args.steps, use_model, baselines,
                      args.tile, args.limit)
    if getattr(args, "json", False):
        print(json.dumps(result, indent=2))
    else:
        print(format_table(result))
    return 0
