"""Progress bars for long work (rich), quiet when output is not a terminal or when asked."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)


def progress_enabled() -> bool:
    if os.environ.get("TEMPO_PROGRESS") == "0":
        return False
    return os.environ.get("TEMPO_PROGRESS") == "1" or sys.stderr.isatty()


@contextmanager
def progress_bar(description: str, total: float | None = None):
    """Yield ``advance(n=1, description=None)``; draws on stderr so stdout stays clean for --json."""
    from rich.console import Console

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                        disable=not progress_enabled(), transient=False)
    with progress:
        task = progress.add_task(description, total=total)

        def advance(n: float = 1, description: str | None = None):
            kwargs = {"description": description} if description else {}
            progress.update(task, advance=n, **kwargs)

        yield advance


def track(iterable, description: str, total: int | None = None):
    """Iterate with a progress bar."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    with progress_bar(description, total) as advance:
        for item in iterable:
            yield item
            advance()
