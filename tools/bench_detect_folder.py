"""`tempo detect FOLDER` end to end with the embedded default: videos/minute and real-time factor (seconds of video
per second of wall), features computed (no cache), all five export formats.

Three measurements in one run:
- ``one_clip``: ``tempo detect --no-cache CLIP`` as a fresh process (start-up and model load included);
- ``folder_process``: ``tempo detect --no-cache FOLDER`` as a fresh process (the CLI's default, overlapped),
  and how many one-clip runs it lasts (``one_clip_runs``; N clips run one by one would be N);
- ``folder_process_batch``: the same with ``--batch N`` (N videos at once, each on 1/N of the torch threads);
- ``in_process``: the folder loop alone with the detector already loaded, sequential (``overlap=False``),
  overlapped (a video's exports written on a background thread while the next one is decoded and featurised) and
  batched (``--batch N`` on top), alternated ``--repeats`` times so that a busy machine hurts all alike; medians.

Without ``--folder`` it makes 20 short clips (``tempo synth --task detect --preset tiny``, seeds 0-3, 10-12 s at
160x120) in a temporary folder. Example:

    python tools/bench_detect_folder.py --repeats 3 --batch 2
    python tools/bench_detect_folder.py --folder my_clips/ --one tempo/assets/sample.mp4
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import machine  # tools/ is on sys.path when run as a script
from tempo.assets import SAMPLE_VIDEO
from tempo.cli import main as tempo_main
from tempo.cli.common import cores_shared_by
from tempo.cli.detect import detect_all
from tempo.cli.pipelines import build
from tempo.io import probe
from tempo.io.discover import video_ids

REPO = Path(__file__).resolve().parents[1]


def make_clips(folder: Path, seeds=(0, 1, 2, 3)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        tmp = folder / f"_seed{seed}"
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON result
            code = tempo_main(["synth", "--task", "detect", "--preset", "tiny", "--seed", str(seed), "-o", str(tmp),
                               "--workers", "1"])
        if code:
            raise SystemExit(f"tempo synth failed (seed {seed})")
        for clip in sorted((tmp / "videos").glob("*.mp4")):
            shutil.copy(clip, folder / f"s{seed}_{clip.name}")
        shutil.rmtree(tmp)
    return folder


def process_seconds(inputs: list[str], out: Path, *flags: str) -> float:
    """Wall time of a fresh ``tempo detect --no-cache`` process (what a user waits for)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tempo", "detect", "--no-cache", *flags, *inputs, "-o", str(out)],
                   check=True,
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def rates(seconds: float, n: int, video_s: float) -> dict:
    return {"wall_s": round(seconds, 2), "videos_per_min": round(60 * n / seconds, 1),
            "realtime_factor": round(video_s / seconds, 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", help="folder of clips (default: make 20 synth clips)")
    parser.add_argument("--one", default=None, help="the single clip timed alone (default: the folder's first)")
    parser.add_argument("--repeats", type=int, default=3, help="in-process runs of each mode (alternated)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=2,
                        help="videos at once in the batched rows (tempo detect --batch)")
    args = parser.parse_args(argv)
    os.environ["TEMPO_NO_CACHE"] = "1"  # features really computed, in this process and the ones it starts
    work = Path(tempfile.mkdtemp(prefix="tempo_bench_detect_"))
    try:
        folder = Path(args.folder) if args.folder else make_clips(work / "clips")
        ids = video_ids([str(folder)])
        paths = [p for p, _ in ids]
        video_s = sum(probe(p).duration for p in paths)
        one = Path(args.one) if args.one else paths[0]
        one_s = process_seconds([str(one)], work / "o1")
        sample_s = process_seconds([str(SAMPLE_VIDEO)], work / "o2")
        folder_s = process_seconds([str(folder)], work / "o3")
        batch_s = process_seconds([str(folder)], work / "o4", "--batch", str(args.batch))

        pipeline = build("detect", {"detector.device": args.device})  # what `tempo detect` runs
        modes = {"sequential": (False, 1), "overlapped": (True, 1), f"batch_{args.batch}": (True, args.batch)}
        times = {mode: [] for mode in modes}
        for i in range(args.repeats):
            for mode in list(modes) if i % 2 == 0 else list(modes)[::-1]:
                overlap, workers = modes[mode]
                out = work / f"run_{mode}_{i}"
                with cores_shared_by(workers):  # as tempo detect --batch does
                    start = time.perf_counter()
                    result = detect_all(pipeline, ids, out, overlap=overlap, workers=workers)
                    times[mode].append(time.perf_counter() - start)
                if result.failed:
                    raise SystemExit(f"failed: {result.failed}")
        median = {mode: statistics.median(t) for mode, t in times.items()}
        print(json.dumps({
            "machine": machine(args.device), "load_avg_1min": round(os.getloadavg()[0], 2),
            "clips": len(paths), "video_s": round(video_s, 1),
            "one_clip": {"video": one.name, "video_s": round(probe(one).duration, 1), "process_s": round(one_s, 2)},
            "sample": {"video_s": round(probe(SAMPLE_VIDEO).duration, 1), "process_s": round(sample_s, 2)},
            # the folder run lasts as long as this many one-clip runs (len(paths) if nothing were shared)
            "folder_process": {**rates(folder_s, len(paths), video_s), "one_clip_runs": round(folder_s / one_s, 1)},
            "folder_process_batch": {**rates(batch_s, len(paths), video_s), "batch": args.batch,
                                     "one_clip_runs": round(batch_s / one_s, 1)},
            "in_process": {**{mode: rates(t, len(paths), video_s) for mode, t in median.items()},
                           "speedup_over_sequential": {mode: round(median["sequential"] / t, 3)
                                                       for mode, t in median.items()},
                           "runs_s": {mode: [round(t, 2) for t in ts] for mode, ts in times.items()}},
        }, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
