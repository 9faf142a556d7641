"""Train and ship the embedded default BAM-DETR: synth queries → features → mmengine training → bundle.

    python tools/build_default_grounder.py [--scenes data/synth_detect] [--data data/synth_ground]

Steps (each skipped when its output exists):
1. Grounding annotations for the synth scenes (``tempo synth --task ground --reuse-videos``: detect and
   ground share the videos of a seed, so only the jsonl files are written).
2. EfficientNet-Lite0 features per 2-s clip (``<data>/features/video/<vid>.npz``) and MiniLM token
   features per query (``<data>/features/text/qid<qid>.npz``).
3. ``tools/train.py configs/bam_detr/synth_effnet_minilm.py`` (token-level text).
4. The bundle ``tempo/weights/bam_detr_synth.safetensors`` (float16, ≤ 30 MB) + ``.json``.
5. Metrics of the bundle, end to end from the videos (``tempo evaluate ground``), on the test split of seed 1
   (made alone, never trained on): ``tempo/weights/bam_detr_synth.metrics.json``.
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

from tempo.data.synth import generate, get_preset
from tempo.features.output import write_features
from tempo.features.stage import extract_features
from tempo.features.text import MiniLM
from tempo.progress import track
from tempo.tasks.ground import DEFAULT_GROUNDER, DEFAULT_VIDEO_FEATURES

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("train", "val", "test")


def ensure_annotations(scenes: Path, data: Path, preset: str) -> None:
    if not (scenes / "annotations" / "ground_test.jsonl").is_file():
        generate("ground", preset, 0, scenes, workers=2, reuse_videos=True)
    data.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        shutil.copyfile(scenes / "annotations" / f"ground_{split}.jsonl", data / f"{split}.jsonl")


def ensure_video_features(scenes: Path, data: Path) -> None:
    out = data / "features" / "video"
    vids = sorted({json.loads(line)["vid"] for s in SPLITS for line in open(data / f"{s}.jsonl")})
    f = DEFAULT_VIDEO_FEATURES
    for vid in track(vids, "video features"):
        if (out / f"{vid}.npz").is_file():
            continue
        feats, meta = extract_features(scenes / "videos" / f"{vid}.mp4", f["backbone"], layout="ground",
                                       fps=f["fps"], clip_len=f["clip_len"], frame_step=f["frame_step"])
        write_features(out, vid, feats, meta)


def ensure_text_features(data: Path, max_tokens: int = 32) -> None:
    out = data / "features" / "text"
    out.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for s in SPLITS for line in open(data / f"{s}.jsonl")]
    rows = [r for r in rows if not (out / f"qid{r['qid']}.npz").is_file()]
    encoder = MiniLM()
    for start in track(range(0, len(rows), 256), "text features"):
        batch = rows[start:start + 256]
        feats, mask = encoder.encode_tokens([r["query"] for r in batch], max_tokens)
        for r, f, m in zip(batch, feats, mask):
            np.savez(out / f"qid{r['qid']}.npz", last_hidden_state=f[m])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", default="data/synth_detect", help="synth scene folder (videos/)")
    parser.add_argument("--data", default="data/synth_ground", help="grounding dataset folder to build")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--config", default="configs/bam_detr/synth_effnet_minilm.py")
    parser.add_argument("--work-dir", default="work_dirs/bam_detr_synth_default")
    parser.add_argument("--cfg-options", nargs="*", default=[])
    parser.add_argument("--eval-scenes", default="data/synth_detect_seed1", help="held-out seed-1 scenes (test split)")
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args(argv)
    scenes, data = Path(args.scenes), Path(args.data)

    ensure_annotations(scenes, data, args.preset)
    ensure_text_features(data)
    ensure_video_features(scenes, data)
    weights = Path(args.work_dir) / "final.safetensors"
    if not args.skip_train or not weights.is_file():
        subprocess.run([sys.executable, str(ROOT / "tools" / "train.py"), args.config, "--work-dir", args.work_dir,
                        "--cfg-options", "q_feat_type=last_hidden_state",
                        "train_dataloader.dataset.q_feat_type=last_hidden_state",
                        "val_dataloader.dataset.q_feat_type=last_hidden_state",
                        "test_dataloader.dataset.q_feat_type=last_hidden_state", *args.cfg_options], check=True)

    from safetensors.torch import load_file, save_file

    state = {k: v.half() if v.is_floating_point() else v for k, v in load_file(str(weights)).items()}
    DEFAULT_GROUNDER.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(DEFAULT_GROUNDER), metadata={"format": "tempo-bam-detr", "dtype": "float16"})
    model_cfg = json.loads(weights.with_name("final.json").read_text())
    bundle = {"model": model_cfg, "video_features": DEFAULT_VIDEO_FEATURES,
              "text": {"encoder": "MiniLM", "tokens": True, "max_tokens": 32},
              "trained_on": f"tempo synth --task ground --preset {args.preset} --seed 0 (train split)"}
    DEFAULT_GROUNDER.with_suffix(".json").write_text(json.dumps(bundle, indent=2))
    print(f"bundle: {DEFAULT_GROUNDER} ({DEFAULT_GROUNDER.stat().st_size / 1e6:.1f} MB)")

    from tempo.tasks.ground_eval import evaluate

    held_out = ensure_held_out_scenes(Path(args.eval_scenes), args.preset)
    metrics = {"seed1_test": evaluate(held_out, "test")}
    DEFAULT_GROUNDER.with_name("bam_detr_synth.metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))
    return 0


def ensure_held_out_scenes(scenes: Path, preset: str) -> Path:
    """Seed-1 test videos (shared with the detector's held-out set) and their grounding queries."""
    if not (scenes / "annotations" / "ground_test.jsonl").is_file():
        for task in ("detect", "ground"):  # detect renders the videos, ground only writes the queries
            if task == "detect" and (scenes / "annotations" / "detect.json").is_file():
                continue
            p = get_preset(task, preset)
            p = dataclasses.replace(p, splits={"test": p.splits["test"]})
            generate(task, p, 1, scenes, workers=2, reuse_videos=task == "ground")
    return scenes


if __name__ == "__main__":
    sys.exit(main())
