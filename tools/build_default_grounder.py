"""Train and ship the embedded default BAM-DETR: synth scene plans → TextClipNet rows → mmengine training → bundle.

    python tools/build_default_grounder.py [--data data/synth_ground_textclip] [--train-seeds 0 2 3 4 5]

Steps (each skipped when its output exists, so a stopped run resumes):
1. Grounding annotations of the train splits of ``--train-seeds`` and the val split of ``--val-seed``, from the
   scene plans (``tempo synth --task ground`` rows, no video needed); ids made unique across seeds.
2. Frames rendered from the plans at TextClipNet's input size (``--frames-cache``, shared with TextClipNet's own
   training), then TextClipNet rows in the ``centered`` layout (``<data>/features/video/<vid>.npz``), exactly as
   ``tempo ground`` extracts them from a video, and the query tokens (``TextClipText.encode_query_tokens``:
   aligned sentence token + MiniLM words) per query (``<data>/features/text/qid<qid>.npz``).
   With ``--objects`` also the object stage's slot rows (``ObjectSlots``: the bundled segmenter and recogniser on
   frames rendered at 224 px, ``<data>/features/slots/<vid>.npz``) and each query's parse (the bundled
   ``QueryParser``, ``<data>/features/parse/qid<qid>.npy``); the head then reads three match columns after the
   embedding (``configs/bam_detr/synth_objects.py``; ``--init-bundle`` starts it from the shipped bundle, its input
   widened by the three columns when it is the text-only one).
3. ``tools/train.py configs/bam_detr/synth_textclip.py`` (``--time-budget`` fits the epochs to the seconds given;
   ``--resume`` goes on from the work dir's last checkpoint).
4. The bundle ``tempo/weights/bam_detr_synth.safetensors`` (float16, ≤ 30 MB) + ``.json``.
5. Metrics of the bundle end to end from H.264 videos (``tempo evaluate ground``) on the test splits of
   ``--eval-seeds`` (never trained on; their videos are made by ``tempo synth`` into ``--eval-scenes``), overall
   and by query type (one moment / several moments): ``tempo/weights/bam_detr_synth.metrics.json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "configs/bam_detr/synth_textclip.py"
SPLITS = ("train", "val")


def scene_jobs(preset: str, seed: int, split: str) -> list:
    from tempo.models.text_clipnet.frames import split_jobs

    return split_jobs(preset, seed, split)


def feature_id(job) -> str:
    return f"seed{job.seed}_{job.vid}"


def ensure_annotations(data: Path, preset: str, train_seeds: list, val_seed: int) -> dict:
    """{split: [jobs]}; writes <data>/{train,val}.jsonl (qids numbered over both files)."""
    from tempo.data.synth.seeding import scene_plan
    from tempo.data.synth.writers.ground import annotation_rows

    jobs = {"train": [j for s in train_seeds for j in scene_jobs(preset, s, "train")],
            "val": scene_jobs(preset, val_seed, "val")}
    if all((data / f"{split}.jsonl").is_file() for split in jobs):
        return jobs
    data.mkdir(parents=True, exist_ok=True)
    qid = 0
    for split, split_jobs in jobs.items():
        rows = []
        for job in split_jobs:
            for row in annotation_rows(job, scene_plan(job)):
                rows.append({"qid": qid, **row, "vid": feature_id(job)})
                qid += 1
        (data / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        print(f"{split}: {len(split_jobs)} videos, {len(rows)} queries")
    return jobs


def ensure_video_features(data: Path, jobs: dict, frames_cache: str, workers: int) -> None:
    from tempo.data.synth.seeding import scene_plan
    from tempo.features.output import write_features
    from tempo.features.text_clipnet import TextClipNet, centered_rows
    from tempo.models.text_clipnet.frames import cached_frames
    from tempo.progress import track

    out = data / "features" / "video"
    out.mkdir(parents=True, exist_ok=True)
    backbone = TextClipNet(batch_size=64)
    cfg = backbone.config
    todo = [j for split_jobs in jobs.values() for j in split_jobs if not (out / f"{feature_id(j)}.npz").is_file()]
    if not todo:
        return
    frames = cached_frames(todo, backbone.input_size, frames_cache, workers)
    for job, video in track(list(zip(todo, frames)), "TextClipNet rows"):
        fps = float(scene_plan(job).fps)
        rows = centered_rows(backbone, np.asarray(video), fps)
        meta = {"layout": "centered", "backbone": "TextClipNet", "fps": fps, "clip_len": int(cfg["stride"]) / fps,
                "num_frames": int(cfg["window_frames"]), "feat_stride": int(cfg["stride"]),
                "source": "frames rendered from the scene plan"}
        write_features(out, feature_id(job), rows.astype(np.float32), meta)


def queries_without(data: Path, kind: str, suffix: str) -> tuple:
    """``<data>/features/<kind>`` (made if missing) and the annotation rows that have no ``qid<qid><suffix>`` there."""
    out = data / "features" / kind
    out.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for split in SPLITS for line in open(data / f"{split}.jsonl")]
    return out, [r for r in rows if not (out / f"qid{r['qid']}{suffix}").is_file()]


_STAGE = {}  # per worker process: the object stage's networks, loaded once


def _slot_job(args) -> str:
    import torch

    from tempo.data.synth.seeding import scene_plan
    from tempo.features.object_slots import ObjectSlots
    from tempo.features.output import write_features
    from tempo.models.object_match.slots import STRIDE, WINDOW_FRAMES, video_slot_rows
    from tempo.models.text_clipnet.frames import render_video

    job, out = args
    torch.set_num_threads(1)
    if "model" not in _STAGE:
        _STAGE["model"] = ObjectSlots().model
    plan = scene_plan(job)
    frames = render_video(plan, ObjectSlots.input_size)
    rows = video_slot_rows(_STAGE["model"]["segmenter"], _STAGE["model"]["recogniser"], frames, float(plan.fps))
    meta = {"layout": "centered", "backbone": "ObjectSlots", "fps": float(plan.fps), "clip_len": STRIDE / plan.fps,
            "num_frames": WINDOW_FRAMES, "feat_stride": STRIDE, "source": "frames rendered from the scene plan"}
    write_features(out, feature_id(job), rows.astype(np.float32), meta)
    return feature_id(job)


def ensure_object_slots(data: Path, jobs: dict, workers: int) -> None:
    """The object stage's slot rows (``ObjectSlots``, the bundled segmenter + recogniser) per training video, from
    frames rendered at full size: ``<data>/features/slots/<vid>.npz``, on the rows' grid of TextClipNet."""
    import multiprocessing

    from tempo.progress import track

    out = data / "features" / "slots"
    out.mkdir(parents=True, exist_ok=True)
    todo = [(j, out) for split_jobs in jobs.values() for j in split_jobs
            if not (out / f"{feature_id(j)}.npz").is_file()]
    if not todo:
        return
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for _ in track(pool.imap_unordered(_slot_job, todo), f"object slots of {len(todo)} videos", total=len(todo)):
            pass


def ensure_query_parses(data: Path) -> None:
    """Each query's parse (the bundled ``QueryParser``): ``<data>/features/parse/qid<qid>.npy``."""
    from tempo.models.object_match.parse import QueryParse
    from tempo.tasks.object_query import BUNDLED_QUERY_PARSER

    out, rows = queries_without(data, "parse", ".npy")
    if not rows:
        return
    parse = QueryParse(BUNDLED_QUERY_PARSER)
    for start in range(0, len(rows), 512):
        batch = rows[start:start + 512]
        for r, vec in zip(batch, parse([r["query"] for r in batch])):
            np.save(out / f"qid{r['qid']}.npy", vec.astype(np.float32))


def widened_bundle_checkpoint(work_dir: Path, columns: int) -> Path:
    """The shipped grounder as an mmengine checkpoint; a text-only one has its input widened by ``columns`` video
    columns (between the embedding and the 2 TEF columns) with zero weights, so training starts exactly where it
    ended. A bundle that already reads the match columns is taken as it is (e.g. to retrain on new slot rows)."""
    import torch
    from safetensors.torch import load_file

    from tempo.tasks.ground import DEFAULT_GROUNDER

    bundle = json.loads(DEFAULT_GROUNDER.with_suffix(".json").read_text())
    if bundle.get("object_match"):
        columns = 0
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(DEFAULT_GROUNDER)).items()}
    ln, proj = "bam.input_vid_proj.0.LayerNorm", "bam.input_vid_proj.0.net.1.weight"
    at = state[proj].shape[1] - 2  # the TEF columns stay last
    state[proj] = torch.cat([state[proj][:, :at], torch.zeros(len(state[proj]), columns), state[proj][:, at:]], 1)
    for key, fill in ((f"{ln}.weight", 1.0), (f"{ln}.bias", 0.0)):
        state[key] = torch.cat([state[key][:at], torch.full((columns,), fill), state[key][at:]])
    out = work_dir / "init_from_bundle.pth"
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": state, "meta": {"source": str(DEFAULT_GROUNDER.name), "added_columns": columns}}, out)
    return out


def ensure_text_features(data: Path, max_tokens: int = 32) -> None:
    from tempo.features.text_clipnet import TextClipText
    from tempo.progress import track

    out, rows = queries_without(data, "text", ".npz")
    if not rows:
        return
    encoder = TextClipText()
    for start in track(range(0, len(rows), 256), "query tokens"):
        batch = rows[start:start + 256]
        for r, tokens in zip(batch, encoder.encode_query_tokens([r["query"] for r in batch], max_tokens)):
            np.savez(out / f"qid{r['qid']}.npz", last_hidden_state=tokens)


def data_overrides(data: Path, objects: bool = False) -> list:
    """--cfg-options pointing the config's data paths at ``data``."""
    d = str(data)
    common = [f"v_feat_dirs=['{d}/features/video']", f"t_feat_dir={d}/features/text"]
    if objects:
        common += [f"object_match.slots={d}/features/slots", f"object_match.parse={d}/features/parse"]
    out = []
    for loader, split in (("train_dataloader", "train"), ("val_dataloader", "val"), ("test_dataloader", "val")):
        out += [f"{loader}.dataset.{c}" for c in common] + [f"{loader}.dataset.ann_file={d}/{split}.jsonl"]
    return out + [f"val_evaluator.ann_file={d}/val.jsonl", f"test_evaluator.ann_file={d}/val.jsonl"]


def bundle_metadata(model_cfg: dict, backbone_cfg: dict, max_v_l: int, trained_on: str,
                    objects: bool = False) -> dict:
    from tempo.features.base import file_weights_id
    from tempo.features.text_clipnet import BUNDLED_WEIGHTS
    from tempo.tasks.object_query import BUNDLED_QUERY_PARSER

    extra, backbone = {}, "TextClipNet"
    if objects:  # the object stage's slots after the TextClipNet rows, made into match columns per query
        from tempo.features.object_slots import ObjectSlots

        backbone = {"type": "Stack", "backbones": ["TextClipNet", "ObjectSlots"]}
        extra = {"object_match": {"parser": BUNDLED_QUERY_PARSER.name, "aligned_dims": int(backbone_cfg["embed_dim"]),
                                  "slots_weights_id": ObjectSlots().weights_id()}}
    return {"model": model_cfg, **extra,
            "video_features": {"backbone": backbone, "layout": "centered", "fps": float(backbone_cfg["fps"]),
                               "num_frames": int(backbone_cfg["window_frames"]), "stride": int(backbone_cfg["stride"]),
                               "clip_len": int(backbone_cfg["stride"]) / float(backbone_cfg["fps"]),
                               "weights_id": file_weights_id(BUNDLED_WEIGHTS)},
            "text": {"encoder": "TextClipText", "query_tokens": True, "max_tokens": 32},
            "window_clips": int(max_v_l), "trained_on": trained_on}


def write_bundle(weights: Path, bundle: dict) -> Path:
    from safetensors.torch import load_file, save_file

    from tempo.tasks.ground import DEFAULT_GROUNDER

    state = {k: v.half() if v.is_floating_point() else v for k, v in load_file(str(weights)).items()}
    DEFAULT_GROUNDER.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(DEFAULT_GROUNDER), metadata={"format": "tempo-bam-detr", "dtype": "float16"})
    DEFAULT_GROUNDER.with_suffix(".json").write_text(json.dumps(bundle, indent=2) + "\n")
    print(f"bundle: {DEFAULT_GROUNDER} ({DEFAULT_GROUNDER.stat().st_size / 1e6:.1f} MB)")
    return DEFAULT_GROUNDER


def ensure_held_out_scenes(scenes: Path, preset: str, seed: int) -> Path:
    """Test videos of ``seed`` (H.264, as ``tempo synth`` writes them) and their grounding queries."""
    from tempo.data.synth import generate, get_preset

    if not (scenes / "annotations" / "ground_test.jsonl").is_file():
        p = get_preset("ground", preset)
        generate("ground", dataclasses.replace(p, splits={"test": p.splits["test"]}), seed, scenes, workers=2)
    return scenes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/synth_ground_textclip", help="training data folder to build")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--train-seeds", type=int, nargs="+", default=[0, 2, 3, 4, 5])
    parser.add_argument("--val-seed", type=int, default=0)
    parser.add_argument("--eval-seeds", type=int, nargs="+", default=[1, 7])
    parser.add_argument("--eval-scenes", default="data/synth_ground_seed{seed}",
                        help="where the held-out test videos are (made when missing)")
    parser.add_argument("--frames-cache", default="data/text_clip_frames")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--config", default=CONFIG)
    parser.add_argument("--work-dir", default="work_dirs/bam_detr_synth_default")
    parser.add_argument("--time-budget", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--resume", action="store_true", help="go on from the work dir's last checkpoint")
    parser.add_argument("--cfg-options", nargs="*", default=[])
    parser.add_argument("--skip-train", action="store_true", help="bundle the work dir's final weights as they are")
    parser.add_argument("--only-data", action="store_true", help="stop after building the training data")
    parser.add_argument("--objects", action="store_true",
                        help="with the object stage: its slot rows and query parses, three match columns per row")
    parser.add_argument("--init-bundle", action="store_true",
                        help="with --objects: start from the shipped grounder (a text-only one: its input widened)")
    args = parser.parse_args(argv)
    data = Path(args.data)

    t0 = time.time()
    jobs = ensure_annotations(data, args.preset, args.train_seeds, args.val_seed)
    ensure_video_features(data, jobs, args.frames_cache, args.workers)
    ensure_text_features(data)
    if args.objects:
        ensure_object_slots(data, jobs, args.workers)
        ensure_query_parses(data)
    print(f"data ready in {time.time() - t0:.0f} s")
    if args.only_data:
        return 0
    weights = Path(args.work_dir) / "final.safetensors"
    if not args.skip_train or not weights.is_file():
        cmd = [sys.executable, str(ROOT / "tools" / "train.py"), args.config, "--work-dir", args.work_dir]
        cmd += ["--time-budget", str(args.time_budget)] if args.time_budget else []
        cmd += ["--resume"] if args.resume else []
        if args.init_bundle and not args.resume:
            from tempo.models.object_match.match import MATCH_COLUMNS

            init = widened_bundle_checkpoint(Path(args.work_dir), MATCH_COLUMNS)
            args.cfg_options = [f"load_from={init}", *args.cfg_options]
        subprocess.run(cmd + ["--cfg-options", *data_overrides(data, args.objects), *args.cfg_options], check=True)

    from mmengine.config import Config

    from tempo.features.text_clipnet import TextClipNet

    cfg = Config.fromfile(args.config)
    model_cfg = json.loads(weights.with_name("final.json").read_text())
    seeds = " ".join(map(str, args.train_seeds))
    bundle = bundle_metadata(model_cfg, TextClipNet().config, cfg.max_v_l,
                             f"tempo synth --task ground --preset {args.preset}, train splits of seeds {seeds}",
                             args.objects)
    write_bundle(weights, bundle)
    metrics = evaluate_seeds(args.eval_seeds, args.eval_scenes, args.preset)
    out = Path(str(ROOT / "tempo/weights/bam_detr_synth.metrics.json"))
    out.write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    return 0


def evaluate_seeds(seeds: list, scenes_pattern: str, preset: str) -> dict:
    from tempo.tasks.ground_eval import evaluate

    metrics = {}
    for seed in seeds:
        scenes = ensure_held_out_scenes(Path(scenes_pattern.format(seed=seed)), preset, seed)
        t0 = time.time()
        metrics[f"seed{seed}_test"] = {**evaluate(scenes, "test", by_type=True),
                                       "wall_seconds": round(time.time() - t0, 1)}
    return metrics


if __name__ == "__main__":
    sys.exit(main())
