"""Helpers shared by subcommands: run a function over many inputs, continuing past bad ones."""
from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import TempoError
from ..progress import track

log = logging.getLogger("tempo")


@dataclass
class BatchResult:
    ok: dict = field(default_factory=dict)  # path -> result
    failed: dict = field(default_factory=dict)  # path -> one-line reason

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def run_each(paths: list, fn: Callable[[Path], object], description: str, debug: bool = False
             ) -> BatchResult:
    """Call ``fn`` on every path; a failure prints one line naming the file and the run goes on.
    At the end the failed files are listed again so they are not lost in the scroll."""
    result = BatchResult()
    for path in track(paths, description):
        try:
            if isinstance(path, TempoError):  # expand_inputs already found this one bad
                raise path
            result.ok[str(path)] = fn(path)
        except TempoError as exc:
            if debug:
                log.exception("failed on %s", path)
            result.failed[getattr(exc, "path", str(path))] = str(exc)
            print(f"error: {exc}", file=sys.stderr)
        except Exception as exc:  # an unexpected failure on one file must not stop a folder run
            if debug:
                log.exception("failed on %s", path)
            msg = f"{path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
            result.failed[str(path)] = msg
            print(f"error: {msg}", file=sys.stderr)
    if result.failed and len(paths) > 1:
        print(f"{len(result.failed)} of {len(paths)} inputs failed:", file=sys.stderr)
        for msg in result.failed.values():
            print(f"  {msg}", file=sys.stderr)
    return result


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
