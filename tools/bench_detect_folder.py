"""`tempo detect FOLDER` end to end with the embedded default: videos/minute and real-time factor (seconds of video
per second of wall), features computed (no cache), all five export formats.

Three measurements in one run:
- ``one_clip``: ``tempo detect --no-cache CLIP`` as a fresh process (start-up and model load included);
- ``folder_process``: ``tempo detect --no-cache FOLDER`` as a fresh process (the CLI's default, overlapped),
  and how many one-clip runs it lasts (``one_clip_runs``; N clips run one by one would be N);
- ``in_process``: the folder loop alone with the detector already loaded, sequential (``overlap=False``) and
  overlapped (a video's exports written on a background thread while the next one is decoded and featurised),
  alternated ``--repeats`` times so that a busy machine hurts both alike; medians.

Without ``--folder`` it makes 20 short clips (``tempo synth --task detect --preset tiny``, seeds 0-3, 10-12 s at
160x120) in a temporary folder. Example:

    python tools/bench_detect_folder.py --repeats 3
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


def process_seconds(inputs: list[str], out: Path) -> float:
    """Wall time of a fresh ``tempo detect --no-cache`` process (what a user waits for)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tempo", "detect", "--no-cache", *inputs, "-o", str(out)], check=True,
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

        pipeline = build("detect", {"detector.device": args.device})  # what `tempo detect` runs
        times = {False: [], True: []}
        for i in range(args.repeats):
            for overlap in (False, True) if i % 2 == 0 else (True, False):
                out = work / f"run_{overlap}_{i}"
                start = time.perf_counter()
                result = detect_all(pipeline, ids, out, overlap=overlap)
                times[overlap].append(time.perf_counter() - start)
                if result.failed:
                    raise SystemExit(f"failed: {result.failed}")
        seq, ovl = statistics.median(times[False]), statistics.median(times[True])
        print(json.dumps({
            "machine": machine(args.device), "load_avg_1min": round(os.getloadavg()[0], 2),
            "clips": len(paths), "video_s": round(video_s, 1),
            "one_clip": {"video": one.name, "video_s": round(probe(one).duration, 1), "process_s": round(one_s, 2)},
            "sample": {"video_s": round(probe(SAMPLE_VIDEO).duration, 1), "process_s": round(sample_s, 2)},
            # the folder run lasts as long as this many one-clip runs (len(paths) if nothing were shared)
            "folder_process": {**rates(folder_s, len(paths), video_s), "one_clip_runs": round(folder_s / one_s, 1)},
            "in_process": {"sequential": rates(seq, len(paths), video_s), "overlapped": rates(ovl, len(paths), video_s),
                           "speedup": round(seq / ovl, 3),
                           "runs_s": {"sequential": [round(t, 2) for t in times[False]],
                                      "overlapped": [round(t, 2) for t in times[True]]}},
        }, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
