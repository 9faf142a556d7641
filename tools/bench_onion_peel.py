"""Benchmark onion-peel completion: steady-state frames/s vs the number of memory frames K.

Per completed frame the pipeline runs: the peel loop (encoder + memory read + decoder per ring), one TCN
step (when there is a TCN), and, amortised, one memory encoding every ``--mem-every`` frames. This script
times exactly those pieces on synthetic frames, with K memory frames already in the bank, and reports

    frames/s = 1 / (t_peel_loop + t_tcn + t_memorize / mem_every)

Networks (speed does not depend on the weight values, only on the architecture): ``--weights default``
= the embedded default (a half-width OPN, no TCN), ``--weights official`` = the released full-width
OPN + TCN architecture with random weights, or a path (tempo .safetensors or official OPN.pth, no TCN).
Video decoding/encoding is not included. Example:

    python tools/bench_onion_peel.py --sizes 240x424,480x854 --memory-frames 1,2,4,8 --threads 2

``--pipeline`` times the whole default ``tempo complete`` pipeline instead (flow-guided propagation, then
Telea or the embedded OPN on what no frame shows) on a synthetic panning clip with a moving box hole, as
frames/s of wall clock and of process CPU time (the latter is steadier on a shared machine):

    python tools/bench_onion_peel.py --pipeline --sizes 240x424,480x854 --frames 12 --threads 1
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from tempo.models.onion_peel import OPN, TCN
from tempo.models.onion_peel.opn import Memory
from tempo.models.onion_peel.tempo_weights import load_networks
from tempo.models.onion_peel.preprocess import preprocess


def synthetic(h: int, w: int, shift: int, seed: int = 0):
    """A smooth frame and a box hole of about 8% of the frame (h/3 x w/4), moved by ``shift`` pixels."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    frame = np.dstack([(np.sin(xx / 17 + c + shift / 9) * 100 + 128 + rng.normal(0, 8, (h, w))) for c in range(3)])
    mask = np.zeros((h, w), np.uint8)
    y0, x0 = h // 3, (w // 3 + shift) % (w - w // 4)
    mask[y0:y0 + h // 3, x0:x0 + w // 4] = 1
    return np.clip(frame, 0, 255).astype(np.uint8), mask


def timed(fn, repeats: int, device) -> tuple[float, object]:
    out = fn()  # warm-up
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        out = fn()
    sync(device)
    return (time.perf_counter() - start) / repeats, out


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def networks(weights: str, device):
    """(OPN, TCN or None) for ``--weights``."""
    if weights == "official":
        return OPN().to(device).eval(), TCN().to(device).eval()
    opn, tcn, _ = load_networks(None if weights == "default" else weights, None, device)
    return opn, tcn


@torch.no_grad()
def bench_size(h: int, w: int, ks: list[int], repeats: int, mem_every: int, device, local_window: bool,
               weights: str = "default") -> list[dict]:
    opn, tcn = networks(weights, device)
    frame, valid, hole, dist = (t.to(device) for t in preprocess(*synthetic(h, w, 0)))
    t_mem, _ = timed(lambda: opn.memorize(frame, valid, dist), repeats, device)
    bank = []
    for i in range(max(ks)):  # distinct memory frames with holes elsewhere
        f, v, _, d = (t.to(device) for t in preprocess(*synthetic(h, w, 40 * (i + 1), seed=i + 1)))
        bank.append(opn.readable(*opn.memorize(f, v, d)))
    t_tcn = timed(lambda: tcn(frame, hole, frame, hole, None), repeats, device)[0] if tcn is not None else 0.0
    rows = []
    for k in ks:
        memory = Memory.concat(bank[:k], opn.channels)
        t_peel, (_, steps) = timed(lambda: opn.complete(memory, frame, valid, dist, local_window=local_window),
                                   repeats, device)
        total = t_peel + t_tcn + t_mem / mem_every
        rows.append(dict(size=f"{h}x{w}", memory_frames=k, local_window=local_window, weights=weights,
                         opn_width=opn.width, tcn=tcn is not None,
                         memory_positions=memory.size, peel_steps=steps,
                         hole_fraction=round(float(hole.mean()), 3), peel_s=round(t_peel, 4),
                         tcn_s=round(t_tcn, 4), memorize_s=round(t_mem, 4), frames_per_s=round(1 / total, 3),
                         opn_only_frames_per_s=round(1 / (t_peel + t_mem / mem_every), 3)))
        print(json.dumps(rows[-1]), flush=True)
    return rows


def pipeline_clip(h: int, w: int, n: int):
    """``n`` frames of a smooth texture panning 2 px/frame, and a box hole (h/4 x w/5) moving 3 px/frame."""
    frames = np.stack([synthetic(h, w + 2 * n, 0)[0][:, 2 * t:2 * t + w] for t in range(n)])
    holes = np.zeros((n, h, w), bool)
    for t in range(n):
        x = w // 4 + 3 * t
        holes[t, h // 3:h // 3 + h // 4, x:x + w // 5] = True
    return frames, holes


def bench_pipeline(h: int, w: int, n: int, device) -> list[dict]:
    from tempo.models.onion_peel.completer import VideoCompleter
    from tempo.models.onion_peel.prop_completer import PropagationCompleter

    frames, holes = pipeline_clip(h, w, n)
    given = frames.copy()
    given[holes] = 0
    rows = []
    for refine in ("telea", "opn"):
        network = None
        if refine == "opn":
            opn, _ = networks("default", device)
            network = VideoCompleter(opn, None, device=device)
        completer = PropagationCompleter(network=network)
        wall, cpu = time.perf_counter(), time.process_time()
        done = list(completer.run(n, lambda idx: given[list(idx)], lambda i: holes[i]))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append(dict(size=f"{h}x{w}", pipeline=completer.name, frames=n,
                         hole_fraction=round(float(holes.mean()), 3),
                         residual_fraction=round(completer.stats["residual"] / holes.sum(), 3),
                         peel_steps=sum(d.steps for d in done), wall_s=round(wall, 2), cpu_s=round(cpu, 2),
                         frames_per_s=round(n / wall, 3), frames_per_cpu_s=round(n / cpu, 3)))
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="240x424,480x854", help="comma-separated HxW working sizes")
    p.add_argument("--memory-frames", default="1,2,4,8", help="comma-separated K values")
    p.add_argument("--mem-every", type=int, default=5)
    p.add_argument("--repeats", type=int, default=2, help="timed runs per measurement (after one warm-up)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--weights", default="default",
                   help="default (embedded half-width OPN, no TCN), official (full-width OPN+TCN, random), or a path")
    p.add_argument("--full-frame", action="store_true",
                   help="run every peel step on the whole frame (official) instead of the ring's window")
    p.add_argument("--json", help="also write the rows to this file")
    p.add_argument("--pipeline", action="store_true",
                   help="time the whole default pipeline (propagation + Telea / + OPN) instead of the OPN pieces")
    p.add_argument("--frames", type=int, default=12, help="frames of the --pipeline clip")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":  # parity-grade float32, no TF32
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    if args.pipeline:
        rows = []
        for size in args.sizes.split(","):
            h, w = (int(v) for v in size.lower().split("x"))
            rows += bench_pipeline(h, w, args.frames, device)
        print(f"\ndevice={device} threads={torch.get_num_threads()} (frames/s: wall clock; per CPU s: process time)")
        for r in rows:
            print(f"{r['size']:>9} {r['pipeline']:<30} {r['frames_per_s']:>8.3f} frames/s "
                  f"{r['frames_per_cpu_s']:>8.3f} "
                  f"per CPU s  (residual {r['residual_fraction']:.0%} of the hole)")
        return save_rows(rows, args.json)
    ks = [int(k) for k in args.memory_frames.split(",")]
    rows = []
    for size in args.sizes.split(","):
        h, w = (int(v) for v in size.lower().split("x"))
        rows += bench_size(h, w, ks, args.repeats, args.mem_every, device, not args.full_frame, args.weights)
    print(f"\ndevice={device} threads={torch.get_num_threads()} torch={torch.__version__} "
          f"peel on {'the whole frame' if args.full_frame else 'the ring window'}, weights {args.weights}")
    print(f"{'size':>9} {'K':>3} {'mem pos':>8} {'steps':>5} {'frames/s':>9} {'OPN only':>9}")
    for r in rows:
        print(f"{r['size']:>9} {r['memory_frames']:>3} {r['memory_positions']:>8} {r['peel_steps']:>5} "
              f"{r['frames_per_s']:>9.3f} {r['opn_only_frames_per_s']:>9.3f}")
    return save_rows(rows, args.json)


def save_rows(rows: list, path) -> int:
    if path:
        with open(path, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
