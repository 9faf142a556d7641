"""Train and ship the embedded default TriDet: synth data → features → mmengine training → bundle.

    python tools/build_default_detector.py [--data data/synth_detect] [--eval-data data/synth_detect_seed1]
        [--epochs N] [--skip-train]

Steps (each skipped when its output exists, so the script resumes):
1. ``tempo synth --task detect --preset small --seed 0`` into --data (train/val/test splits).
2. EfficientNet-Lite0 features (resampled to 15 fps, 16-frame windows every 4 frames) as
   ``<data>/features/<vid>.npy`` (cached by content in the tempo cache too).
3. ``tools/train.py configs/tridet/synth_effnet.py`` on the train split.
4. The bundle ``tempo/weights/tridet_synth.safetensors`` + ``.json`` (model config, feature config,
   class names), which ``tempo detect`` uses when no checkpoint is given.
5. mAP on the test split of another seed (--eval-data, seed 1), never seen in training, written to
   ``tempo/weights/tridet_synth.metrics.json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from tempo.data.synth import ACTION_NAMES, generate, get_preset
from tempo.features.output import write_features
from tempo.features.stage import extract_features
from tempo.progress import track
from tempo.tasks.detect import DEFAULT_DETECTOR, DEFAULT_FEATURES

ROOT = Path(__file__).resolve().parents[1]


def ensure_synth(out: Path, seed: int, preset: str, workers: int, only_split: str | None = None) -> Path:
    ann = out / "annotations" / "detect.json"
    if not ann.is_file():
        p = get_preset("detect", preset)
        if only_split:  # a video depends on (seed, split, index) only, so one split can be made alone
            p = dataclasses.replace(p, splits={only_split: p.splits[only_split]})
        generate("detect", p, seed, out, workers=workers)
    return ann


def ensure_features(data: Path) -> Path:
    doc = json.loads((data / "annotations" / "detect.json").read_text())
    feat_dir = data / "features"
    f = DEFAULT_FEATURES
    for vid, entry in track(list(doc["database"].items()), "features"):
        if (feat_dir / f"{vid}.npy").is_file():
            continue
        feats, meta = extract_features(data / entry.get("video", f"videos/{vid}.mp4"), f["backbone"],
                                       layout="detect", fps=f["fps"], num_frames=f["num_frames"], stride=f["stride"])
        write_features(feat_dir, vid, feats, meta)
    return feat_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/synth_detect")
    parser.add_argument("--eval-data", default="data/synth_detect_seed1")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--config", default="configs/tridet/synth_effnet.py")
    parser.add_argument("--work-dir", default="work_dirs/tridet_synth_default")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cfg-options", nargs="*", default=[], help="extra key=value overrides for training")
    parser.add_argument("--skip-train", action="store_true", help="only (re)build data, bundle and metrics")
    args = parser.parse_args(argv)
    data, eval_data = Path(args.data), Path(args.eval_data)

    ensure_synth(data, 0, args.preset, args.workers)
    ensure_features(data)
    weights = Path(args.work_dir) / "final.safetensors"
    if not args.skip_train or not weights.is_file():
        cmd = [sys.executable, str(ROOT / "tools" / "train.py"), args.config, "--work-dir", args.work_dir,
               "--cfg-options", f"data_root={data}", f"ann_file={data}/annotations/detect.json",
               f"feat_dir={data}/features", *args.cfg_options]
        subprocess.run(cmd, check=True)

    model_cfg = json.loads(weights.with_name("final.json").read_text())
    DEFAULT_DETECTOR.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(weights, DEFAULT_DETECTOR)
    bundle = {"model": model_cfg, "features": DEFAULT_FEATURES, "classes": list(ACTION_NAMES),
              "trained_on": f"tempo synth --task detect --preset {args.preset} --seed 0 (train split)"}
    DEFAULT_DETECTOR.with_suffix(".json").write_text(json.dumps(bundle, indent=2))
    print(f"bundle: {DEFAULT_DETECTOR} ({DEFAULT_DETECTOR.stat().st_size / 1e6:.1f} MB)")

    from tempo.tasks.detect_eval import evaluate

    # Features of the held-out videos are extracted exactly as `tempo detect` does (same stage and config).
    metrics = {"seed0_test": evaluate(data, "test", feat_dir=data / "features")}
    ensure_synth(eval_data, 1, args.preset, args.workers, only_split="test")
    metrics["seed1_test"] = evaluate(eval_data, "test", feat_dir=ensure_features(eval_data))
    DEFAULT_DETECTOR.with_name("tridet_synth.metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps({k: v["average_mAP"] for k, v in metrics.items()}, indent=2))
    return 0


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
