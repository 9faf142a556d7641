"""Fit an epoch-based schedule into a wall-clock budget (a lent GPU for minutes, a CPU for an evening):
time a few real training iterations on a copy of the model first, then set ``max_epochs`` so training and
validation end inside the budget. The schedule (warm-up, cosine) is then a whole one, where a hard stop
would cut it off mid-way. mmengine has no such option, hence this probe.
"""
from __future__ import annotations

import copy
import math
import time


def seconds_per_iteration(cfg, iters: int = 20, warmup: int = 5) -> tuple:
    """Median seconds of one training iteration (data loading included) and the train / val iterations per
    epoch, measured on a throw-away copy of the model and optimizer."""
    import torch
    from mmengine.runner import Runner

    from tempo.registry import MODELS
    from tempo.training.runner import resolve_tempo_types

    cfg = resolve_tempo_types(copy.deepcopy(cfg))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    val_iters = len(Runner.build_dataloader(cfg.val_dataloader)) if cfg.get("val_dataloader") else 0
    model = MODELS.build(cfg.model).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    times, last = [], time.perf_counter()
    for i, batch in enumerate(train_loader):
        batch = model.data_preprocessor(batch, True)
        losses = model(**batch, mode="loss")
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        now = time.perf_counter()
        times.append(now - last)
        last = now
        if len(times) >= warmup + iters:
            break
    # the first iterations pay for worker start-up and cudnn's autotuning; a short loader has to use them
    times = sorted(times[warmup:] or times)
    return times[len(times) // 2], len(train_loader), val_iters


def epochs_for_budget(cfg, seconds: float, val_cost: float = 0.5, margin: float = 0.9) -> int:
    """Epochs that fit ``seconds`` (validation iterations counted at ``val_cost`` of a training one, and
    run every ``train_cfg.val_interval`` epochs)."""
    per_iter, train_iters, val_iters = seconds_per_iteration(cfg)
    interval = int(cfg.get("train_cfg", {}).get("val_interval", 1)) or 1
    per_epoch = per_iter * (train_iters + val_cost * val_iters / interval)
    print(f"time budget: {per_iter * 1000:.1f} ms per iteration, {train_iters} per epoch, "
          f"{per_epoch:.1f} s per epoch with validation")
    return max(1, math.floor(margin * seconds / per_epoch))


def set_max_epochs(cfg, epochs: int) -> None:
    """``train_cfg.max_epochs`` and every scheduler that ended with the old schedule (cosine ``end``)."""
    old = cfg.train_cfg.max_epochs
    cfg.train_cfg.max_epochs = int(epochs)
    schedulers = cfg.get("param_scheduler") or []
    for sched in schedulers if isinstance(schedulers, (list, tuple)) else [schedulers]:
        if sched.get("end") == old:
            sched["end"] = int(epochs)
