"""Benchmark SeedVR restoration pieces (random weights; timings only, no quality).

  * restore: frames/s of ``SeedVRRestorer.restore_frames`` at a given size (default 640x360) with a config
    (default configs/seedvr/synth_tiny.py, one-step),
  * attention: window attention grouped by window shape (tempo's) vs all windows padded to the longest
    and masked (one SDPA call), on one layer-sized input of the official 3B head layout,
  * memory: peak RSS of a fresh process restoring clips of increasing length (bounded by the chunk).
``--checkpoint default`` (or a tempo .safetensors) times real weights instead (the embedded default restorer);
``--device``/``--dtype`` as ``tempo restore``'s. Prints a markdown table (``--json`` for machine-readable). Example:

    python tools/bench_seedvr.py --threads 2 --frames 21 --lengths 9 36
    python tools/bench_seedvr.py --checkpoint default --dtype bfloat16 --repeats 0   # no attention bench
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]


def build(config: str, checkpoint=None, device="cpu", dtype="float32"):
    import tempo.models.seedvr  # noqa: F401
    from tempo.models.seedvr.precision import DTYPES
    from tempo.registry import MODELS
    if checkpoint:
        from tempo.tasks.restore import load_restorer
        model = load_restorer(None if checkpoint == "default" else checkpoint)[0]
    else:
        cfg = Config.fromfile(config)
        model = MODELS.build(cfg.get("restorer", None) or cfg.model).eval()  # configs with training hold `restorer`
    return model.to_runtime(device, DTYPES[dtype])


def bench_restore(config, width, height, frames, chunk, overlap, tile, device, checkpoint=None, dtype="float32"):
    model = build(config, checkpoint, device, dtype)
    clip = [np.random.default_rng(i).integers(0, 255, (height, width, 3), dtype=np.uint8) for i in range(frames)]
    start, cpu = time.perf_counter(), time.process_time()
    n = sum(1 for _ in model.restore_frames(iter(clip), chunk=chunk, overlap=overlap, tile=tile))
    # CPU seconds per frame too: on a shared machine the wall clock measures the neighbours as well
    return n / (time.perf_counter() - start), (time.process_time() - cpu) / n


def padded_masked_attention(q_vid, k_vid, v_vid, q_txt, k_txt, v_txt, grid, windows):
    """The alternative to grouping: pad every window to the longest sequence and mask the padding."""
    t, h, w = grid
    ids = torch.arange(t * h * w).view(t, h, w)
    idx = [ids[a:b, c:d, e:f].reshape(-1) for (a, b), (c, d), (e, f) in windows]
    longest = max(len(i) for i in idx)
    n, heads, dim = len(idx), q_vid.shape[1], q_vid.shape[2]
    L = longest + q_txt.shape[0]
    q = torch.zeros(n, L, heads, dim)
    k, v = torch.zeros_like(q), torch.zeros_like(q)
    mask = torch.zeros(n, 1, 1, L, dtype=torch.bool)
    for j, i in enumerate(idx):
        q[j, :len(i)], k[j, :len(i)], v[j, :len(i)] = q_vid[i], k_vid[i], v_vid[i]
        q[j, longest:], k[j, longest:], v[j, longest:] = q_txt, k_txt, v_txt
        mask[j, ..., :len(i)] = True
        mask[j, ..., longest:] = True
    out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=mask)
    return out


def bench_attention(grid, repeats):
    from tempo.models.seedvr.window_attention import window_attention
    from tempo.models.seedvr.windows import partition
    heads, dim, txt = 20, 128, 58  # official 3B heads, official positive prompt length
    n = grid[0] * grid[1] * grid[2]
    qkv = [torch.randn(n, heads, dim) for _ in range(3)]
    tq = [torch.randn(txt, heads, dim) for _ in range(3)]
    wins = partition(grid, (4, 3, 3), shifted=True)
    res = {}
    for name, fn in (("grouped", lambda: window_attention(*qkv, *tq, grid, wins, None)),
                     ("padded+masked", lambda: padded_masked_attention(*qkv, *tq, grid, wins))):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            with torch.no_grad():
                fn()
            times.append(time.perf_counter() - start)
        res[name] = min(times)
    return res


def _rss_child(config, width, height, frames, chunk, overlap, queue, checkpoint=None, device="cpu", dtype="float32"):
    torch.set_num_threads(1)
    model = build(config, checkpoint, device, dtype)
    clip = (np.random.default_rng(i).integers(0, 255, (height, width, 3), dtype=np.uint8) for i in range(frames))
    for _ in model.restore_frames(clip, chunk=chunk, overlap=overlap):
        pass
    queue.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def bench_memory(config, width, height, lengths, chunk, overlap, checkpoint=None, device="cpu", dtype="float32"):
    ctx = mp.get_context("spawn")
    out = {}
    for n in lengths:
        q = ctx.Queue()
        p = ctx.Process(target=_rss_child,
                        args=(config, width, height, n, chunk, overlap, q, checkpoint, device, dtype))
        p.start()
        out[n] = q.get()
        p.join()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(REPO / "configs/seedvr/synth_tiny.py"))
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--frames", type=int, default=21)
    ap.add_argument("--chunk", type=int, default=21)
    ap.add_argument("--overlap", type=int, default=4)
    ap.add_argument("--tile", type=int, default=None)
    ap.add_argument("--grid", type=int, nargs=3, default=[6, 45, 80], help="token grid for the attention bench")
    ap.add_argument("--lengths", type=int, nargs="*", default=[21, 84])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    ap.add_argument("--checkpoint", default=None, help="tempo weights, or `default` for the embedded restorer")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    fps, cpu_s = bench_restore(args.config, args.width, args.height, args.frames, args.chunk, args.overlap,
                               args.tile, args.device, args.checkpoint, args.dtype)
    results = {
        "restore_fps": fps, "restore_cpu_s_per_frame": cpu_s,
        "attention_s": bench_attention(tuple(args.grid), args.repeats) if args.repeats > 0 else {},
        "peak_rss_mib_by_length": bench_memory(args.config, args.width, args.height, args.lengths, args.chunk,
                                               args.overlap, args.checkpoint, args.device,
                                               args.dtype) if args.lengths else {},
    }
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print("| what | value |\n| --- | --- |")
    what = f"restore {args.width}x{args.height} ({args.device}, {args.dtype})"
    print(f"| {what} | {results['restore_fps']:.2f} frames/s ({cpu_s:.2f} CPU s/frame) |")
    for k, v in results["attention_s"].items():
        print(f"| window attention {k} {tuple(args.grid)} | {v * 1000:.0f} ms |")
    for n, v in results["peak_rss_mib_by_length"].items():
        print(f"| peak RSS, {n} frames | {v:.0f} MiB |")


if __name__ == "__main__":
    main()
