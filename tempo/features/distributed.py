"""Sharding videos across ``torchrun`` ranks.

Each rank takes every world_size-th video (rank::world_size) of the same sorted list and writes its
own files; the cache and output folders are shared (their writes are atomic, so ranks never see a
half-written file). A gloo process group is only used for the final barrier, so rank 0 returns after
every shard is on disk.
"""
from __future__ import annotations

import os
from contextlib import contextmanager


def rank_and_world() -> tuple[int, int]:
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def shard(items: list, rank: int, world_size: int) -> list:
    return list(items)[rank::world_size]


def _local_gpu() -> None:
    """With GPUs, "cuda" in this rank means the local rank's GPU (torchrun's LOCAL_RANK), not all ranks on GPU 0."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)) % torch.cuda.device_count())


@contextmanager
def distributed_group():
    """Join the torchrun group when launched by torchrun (CPU: gloo); yields (rank, world_size)."""
    rank, world = rank_and_world()
    if world <= 1:
        yield rank, world
        return
    import torch.distributed as dist

    started = not dist.is_initialized()
    if started:
        dist.init_process_group("gloo")
    _local_gpu()
    try:
        yield rank, world
        dist.barrier()
    finally:
        if started:
            dist.destroy_process_group()
