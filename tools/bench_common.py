"""What every tools/bench_*.py needs: the machine in words, and the median time of a call."""
from __future__ import annotations

import platform
import statistics
import time
from pathlib import Path

import torch


def machine(device: str) -> str:
    if str(device).startswith("cuda"):
        return torch.cuda.get_device_name(0)
    cpu = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {torch.get_num_threads()} threads"


def timed(fn, repeats: int, device="cpu", warmup: int = 1) -> tuple[float, object]:
    """(median seconds of ``fn()`` over ``repeats`` calls after ``warmup`` calls, the last result)."""
    cuda = str(device).startswith("cuda")
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(max(1, repeats)):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        out = fn()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def alternated_min(calls: dict, repeats: int, warmup: int = 1) -> tuple[dict, dict]:
    """Side-by-side timing: the ``calls`` (name -> fn) take turns, round after round, so a change in the machine's
    load hits them alike; (min seconds per name over ``repeats`` rounds after ``warmup`` rounds, each one's last
    result)."""
    best, outs = {name: float("inf") for name in calls}, {}
    for round_ in range(warmup + max(1, repeats)):
        for name, fn in calls.items():
            start = time.perf_counter()
            outs[name] = fn()
            if round_ >= warmup:
                best[name] = min(best[name], time.perf_counter() - start)
    return best, outs
