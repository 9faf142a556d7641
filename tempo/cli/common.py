"""Helpers shared by subcommands: run a function over many inputs, continuing past bad ones."""
from __future__ import annotations

import contextlib
import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import TempoError, one_line
from ..progress import track

log = logging.getLogger("tempo")


@dataclass
class BatchResult:
    ok: dict = field(default_factory=dict)  # path -> result
    failed: dict = field(default_factory=dict)  # path -> one-line reason
    rank: int = 0  # under torchrun: this process's rank; ok/failed then hold every rank's videos (run_over)
    world_size: int = 1
    folder: dict | None = None  # the folder stages' outputs (run_over; None when none ran)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def run_each(paths: list, fn: Callable[[Path], object], description: str, debug: bool = False,
             failed_word: str = "error") -> BatchResult:
    """Call ``fn`` on every path; a failure prints one line naming the file and the run goes on.
    At the end the failed files are listed again so they are not lost in the scroll. ``failed_word`` starts the
    line ("skipped" where a bad file only leaves a folder search without it)."""
    result = BatchResult()
    for path in track(paths, description):
        try:
            if isinstance(path, TempoError):  # expand_inputs already found this one bad
                raise path
            result.ok[str(path)] = fn(path)
        except Exception as exc:
            _record_failure(result, path, exc, debug, failed_word)
    return _summarise(result, paths, failed_word)


def run_each_overlapped(paths: list, compute: Callable[[Path], object], finish: Callable[[Path, object], object],
                        description: str, debug: bool = False, overlap: bool = True,
                        failed_word: str = "error", workers: int = 1) -> BatchResult:
    """``run_each`` with two steps per path: ``finish(path, compute(path))`` runs on one background thread while
    the next path's ``compute`` runs here, so writing one video's outputs overlaps the next one's decoding and
    network. One worker keeps the outputs in input order and single-threaded (matplotlib); results and error
    lines come out in the same order as the sequential run (``overlap=False``), which stays for comparison.

    ``workers`` > 1 (``tempo detect --batch N``): that many paths are computed at once on threads (decoding, OpenCV
    and torch release the GIL), taken in input order, so results and error lines keep the sequential order."""
    result = BatchResult()
    if not overlap:
        return run_each(paths, lambda path: finish(path, compute(path)), description, debug, failed_word)

    def guarded(path):
        if isinstance(path, TempoError):
            raise path
        return compute(path)

    def settle(pending) -> None:
        if pending is not None:
            path, future = pending
            try:
                result.ok[str(path)] = future.result()
            except Exception as exc:
                _record_failure(result, path, exc, debug, failed_word)

    pending = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tempo-finish") as pool, \
            ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tempo-compute") as computers:
        # at most `workers` computations ahead of the one awaited: memory stays that of `workers` videos
        ahead, submitted = {}, 0
        for i, path in enumerate(track(paths, description)):
            while workers > 1 and submitted < min(i + workers, len(paths)):
                ahead[submitted] = computers.submit(guarded, paths[submitted])
                submitted += 1
            try:
                computed = ahead.pop(i).result() if workers > 1 else guarded(path)
            except Exception as exc:
                settle(pending)  # the previous video's result or error line first: same order as sequential
                pending = None
                _record_failure(result, path, exc, debug, failed_word)
                continue
            settle(pending)
            pending = (path, pool.submit(finish, path, computed))
        settle(pending)
    return _summarise(result, paths, failed_word)


@contextlib.contextmanager
def cores_shared_by(workers: int):
    """While ``workers`` videos run at once (``tempo detect --batch``), each one's torch ops get 1/workers of the
    threads; the caller's setting comes back after (tests and the demo share the process)."""
    import torch

    threads = torch.get_num_threads()
    if workers > 1:
        torch.set_num_threads(max(1, threads // workers))
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _record_failure(result: BatchResult, path, exc: Exception, debug: bool, word: str = "error") -> None:
    """One line naming the file; an unexpected failure on one file must not stop a folder run."""
    if debug:
        log.error("failed on %s", path, exc_info=exc)
    if isinstance(exc, TempoError):
        result.failed[getattr(exc, "path", str(path))] = str(exc)
        print(f"{word}: {exc}", file=sys.stderr)
        return
    msg = f"{path}: {one_line(exc)}"
    result.failed[str(path)] = msg
    print(f"{word}: {msg}", file=sys.stderr)


def _summarise(result: BatchResult, paths: list, word: str = "error") -> BatchResult:
    if result.failed and len(paths) > 1:
        verb = "were skipped" if word == "skipped" else "failed"
        print(f"{len(result.failed)} of {len(paths)} inputs {verb}:", file=sys.stderr)
        for msg in result.failed.values():
            print(f"  {msg}", file=sys.stderr)
    return result


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
