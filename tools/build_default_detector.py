"""Train and ship the embedded default TriDet: synth data → features → mmengine training → bundle.

    python tools/build_default_detector.py [--data data/synth_detect] [--eval-data data/synth_detect_seed1]
        [--extra-seeds 2 3 4 5 6] [--skip-train]

Steps (each skipped when its output exists, so the script resumes):
1. ``tempo synth --task detect --preset small --seed 0`` into --data (train/val/test splits).
2. The learned part of the default features, ActionClipNet (when ``tempo/weights/action_clipnet_synth.*`` is
   missing or --retrain-backbone): ``tools/train.py configs/action_clipnet/synth.py`` on the same train
   splits, validated on seed 0's validation split, its ``final.safetensors/json`` copied into tempo/weights.
3. Features of the default backbone (``DEFAULT_FEATURES``: MotionStats stacked with ActionClipNet, resampled
   to 15 fps, 16-frame windows every 4 frames), part by part as ``<data>/features_<part>/<vid>.npy``, then
   concatenated (cached by content in the tempo cache too).
4. Per-channel RMS of the training features (``<work-dir>/feat_scale.npy``), then
   ``tools/train.py configs/tridet/synth_clipnet.py`` on the train splits, on features divided by it.
5. The bundle ``tempo/weights/tridet_synth.safetensors`` (the scale folded into the first convolution, so it
   reads raw features) + ``.json`` (model config, feature config, class names), which ``tempo detect`` uses
   when no checkpoint is given.
6. mAP on the test split of another seed (--eval-data, seed 1), never seen in training, written to
   ``tempo/weights/tridet_synth.metrics.json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from tempo.data.synth import ACTION_NAMES, generate, get_preset
from tempo.features.output import write_features
from tempo.features.extract import stack_meta
from tempo.features.stage import backbone_cfg, build_backbone, extract_features
from tempo.models.tridet.input_scale import channel_scale, fold_input_scale, save_channel_scale
from tempo.pipeline import stable_hash
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


def ensure_backbone(config: Path, work_dir: Path, data: Path, extras: list, retrain: bool) -> None:
    """Train the default features' learned part on the train splits of ``data`` and ``extras`` (validation:
    ``data``'s validation split) unless its bundled weights exist; ship the run's final weights."""
    import shutil

    from tempo.features.action_clipnet import BUNDLED_WEIGHTS

    if BUNDLED_WEIGHTS.is_file() and not retrain:
        return
    anns = [str(root / "annotations" / "detect.json") for root in [data, *extras]]
    cmd = [sys.executable, str(ROOT / "tools" / "train.py"), str(config), "--work-dir", str(work_dir),
           "--cfg-options", f"train_dataloader.dataset.ann_files=[{','.join(anns)}]",
           f"val_dataloader.dataset.ann_files=[{anns[0]}]",
           f"train_dataloader.dataset.cache_dir={data.parent / 'frames64'}",
           f"val_dataloader.dataset.cache_dir={data.parent / 'frames64'}"]
    subprocess.run(cmd, check=True)
    BUNDLED_WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".safetensors", ".json"):
        shutil.copyfile(work_dir / f"final{suffix}", BUNDLED_WEIGHTS.with_suffix(suffix))


def feature_dir_name(backbone) -> str:
    """``features_<type>``, plus a weights hash for a learned backbone (new weights, new folder)."""
    cfg = backbone_cfg(backbone)
    wid = build_backbone(cfg).weights_id()
    return f"features_{cfg['type']}" + (f"-{stable_hash(wid)[:8]}" if wid.startswith("file:") else "")


def ensure_part_features(data: Path, backbone) -> Path:
    doc = json.loads((data / "annotations" / "detect.json").read_text())
    f = DEFAULT_FEATURES
    feat_dir = data / feature_dir_name(backbone)
    for vid, entry in track(list(doc["database"].items()), f"features ({feat_dir.name})"):
        if (feat_dir / f"{vid}.npy").is_file():
            continue
        feats, meta = extract_features(data / entry.get("video", f"videos/{vid}.mp4"), backbone,
                                       layout="detect", fps=f["fps"], num_frames=f["num_frames"], stride=f["stride"])
        write_features(feat_dir, vid, feats, meta)
    return feat_dir


def ensure_features(data: Path) -> Path:
    """The default features of every video of ``data``. A ``Stack`` backbone is extracted part by part
    (each part's folder is reused by later builds, e.g. the weight-free MotionStats) and concatenated,
    which is exactly what extracting the Stack at once gives (tests/test_features_extract.py)."""
    backbone = DEFAULT_FEATURES["backbone"]
    cfg = backbone_cfg(backbone)
    if cfg["type"] != "Stack":
        return ensure_part_features(data, backbone)
    parts = [ensure_part_features(data, b) for b in cfg["backbones"]]
    out = data / "+".join(p.name for p in parts)
    for npy in sorted(parts[0].glob("*.npy")):
        if not (out / npy.name).is_file():
            feats = np.concatenate([np.load(p / npy.name) for p in parts], axis=1)
            metas = [json.loads((p / npy.name).with_suffix(".json").read_text()) for p in parts]
            write_features(out, npy.stem, feats, stack_meta(build_backbone(cfg), metas, feats.shape[1]))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/synth_detect")
    parser.add_argument("--eval-data", default="data/synth_detect_seed1")
    parser.add_argument("--extra-seeds", type=int, nargs="*", default=[2, 3, 4, 5, 6],
                        help="more generator seeds whose train split is added to the training data "
                             "(never 1: that is the held-out test seed)")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--config", default="configs/tridet/synth_clipnet.py")
    parser.add_argument("--backbone-config", default="configs/action_clipnet/synth.py")
    parser.add_argument("--retrain-backbone", action="store_true",
                        help="train ActionClipNet again even if its bundled weights exist")
    parser.add_argument("--work-dir", default="work_dirs/tridet_synth_default")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cfg-options", nargs="*", default=[], help="extra key=value overrides for training")
    parser.add_argument("--skip-train", action="store_true", help="only (re)build data, bundle and metrics")
    args = parser.parse_args(argv)
    data, eval_data, work_dir = Path(args.data), Path(args.eval_data), Path(args.work_dir)
    if 1 in args.extra_seeds:
        parser.error("seed 1 is the held-out test seed")

    ensure_synth(data, 0, args.preset, args.workers)
    extras = [data.with_name(f"{data.name}_seed{seed}") for seed in args.extra_seeds]
    for seed, extra in zip(args.extra_seeds, extras):
        ensure_synth(extra, seed, args.preset, args.workers, only_split="train")
    ensure_backbone(Path(args.backbone_config), work_dir.with_name(work_dir.name + "_clipnet"), data, extras,
                    args.retrain_backbone)
    train_sets = [(root, ensure_features(root)) for root in [data, *extras]]
    feat_dir = train_sets[0][1]
    weights = work_dir / "final.safetensors"
    scale_path = work_dir / "feat_scale.npy"
    if not scale_path.is_file() or not args.skip_train:  # features may have changed (new backbone weights)
        files = []
        for root, feats in train_sets:
            doc = json.loads((root / "annotations" / "detect.json").read_text())["database"]
            files += [feats / f"{vid}.npy" for vid, e in doc.items() if e["subset"].lower() == "training"]
        save_channel_scale(scale_path, channel_scale(files))
    if not args.skip_train or not weights.is_file():
        config = write_training_config(Path(args.config).resolve(), work_dir, train_sets, scale_path)
        cmd = [sys.executable, str(ROOT / "tools" / "train.py"), str(config), "--work-dir", str(work_dir),
               "--cfg-options", *args.cfg_options]
        subprocess.run([c for c in cmd if c != "--cfg-options" or args.cfg_options], check=True)

    from safetensors.torch import load_file, save_file

    model_cfg = json.loads(weights.with_name("final.json").read_text())
    DEFAULT_DETECTOR.parent.mkdir(parents=True, exist_ok=True)
    state = fold_input_scale(load_file(str(weights)), np.load(scale_path))
    save_file(state, str(DEFAULT_DETECTOR), metadata=load_metadata(weights))
    bundle = {"model": model_cfg, "features": DEFAULT_FEATURES, "classes": list(ACTION_NAMES),
              "trained_on": f"tempo synth --task detect --preset {args.preset}, train split of seeds "
                            + ", ".join(str(x) for x in [0, *args.extra_seeds])}
    DEFAULT_DETECTOR.with_suffix(".json").write_text(json.dumps(bundle, indent=2))
    print(f"bundle: {DEFAULT_DETECTOR} ({DEFAULT_DETECTOR.stat().st_size / 1e6:.1f} MB)")

    from tempo.tasks.detect_eval import evaluate

    # Features of the held-out videos are extracted exactly as `tempo detect` does (same stage and config).
    metrics = {"seed0_test": evaluate(data, "test", feat_dir=feat_dir)}
    ensure_synth(eval_data, 1, args.preset, args.workers, only_split="test")
    metrics["seed1_test"] = evaluate(eval_data, "test", feat_dir=ensure_features(eval_data))
    DEFAULT_DETECTOR.with_name("tridet_synth.metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps({k: v["average_mAP"] for k, v in metrics.items()}, indent=2))
    return 0


def write_training_config(base: Path, work_dir: Path, train_sets: list, scale_path: Path) -> Path:
    """``base`` with a train set concatenating the train splits of every seed (tempo.data.concat;
    video ids repeat across seeds, but each seed reads its own folder), seed 0's validation split for
    validation, and every set dividing its features by the channel scale."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(base))
    common = cfg.train_dataloader.dataset.to_dict()

    def dataset(root, feats, split, training):
        return {**common, "ann_file": str(root / "annotations" / "detect.json"), "feat_dir": str(feats),
                "split": [split], "training": training, "feat_scale": str(scale_path)}

    cfg.train_dataloader.dataset = dict(type="ConcatFeatureDatasets",
                                        datasets=[dataset(r, f, "training", True) for r, f in train_sets])
    root0, feats0 = train_sets[0]
    cfg.val_dataloader.dataset = dataset(root0, feats0, "validation", False)
    cfg.val_evaluator.ann_file = str(root0 / "annotations" / "detect.json")
    cfg.custom_imports.imports = [*cfg.custom_imports.imports, "tempo.data.concat"]
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / "train_config.py"
    cfg.dump(str(path))
    return path


def load_metadata(path: Path) -> dict:
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        return f.metadata() or {}


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
