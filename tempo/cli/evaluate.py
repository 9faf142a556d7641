"""Evaluate a head on a dataset and print its metrics (``--json`` for machine-readable output).

    tempo evaluate detect   --data DIR [--config C --checkpoint W]   mAP@tIoU (THUMOS 0.3:0.7)
    tempo evaluate ground   --data DIR [--config C --checkpoint W]   R1@{0.3,0.5,0.7}, mAP, mIoU
    tempo evaluate restore  --data DIR                               PSNR/SSIM of input and output
    tempo evaluate complete --data DIR                               hole-region PSNR/SSIM

Each task's evaluation lives in ``tempo.tasks.<task>_eval`` with ``add_arguments(parser)`` and
``run(args) -> int``; a task whose module is not there yet says so.
"""
from __future__ import annotations

import argparse
import importlib

from ..errors import UsageError

HELP = "evaluate a head on a dataset split (detect, ground, restore, complete)"
TASKS = ("detect", "ground", "restore", "complete")


def _module(task: str):
    try:
        return importlib.import_module(f"tempo.tasks.{task}_eval")
    except ModuleNotFoundError as exc:
        if exc.name == f"tempo.tasks.{task}_eval":
            return None
        raise


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for task in TASKS:
        module = _module(task)
        p = sub.add_parser(task, help=getattr(module, "HELP", f"evaluate {task} (not available yet)"))
        p.add_argument("--data", required=True, help="dataset folder (e.g. made by `tempo synth`)")
        # the common flags may also come after the task name; SUPPRESS keeps the parent's value otherwise
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print metrics as JSON")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
        p.add_argument("--cache-dir", default=argparse.SUPPRESS, help="feature cache folder")
        p.add_argument("--no-cache", action="store_true", default=argparse.SUPPRESS, help="do not use the cache")
        if module is not None:
            module.add_arguments(p)


def run(args) -> int:
    module = _module(args.task)
    if module is None:
        raise UsageError(f"evaluation of {args.task!r} is not available in this version")
    return module.run(args)
