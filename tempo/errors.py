"""Errors that tempo reports to users as one line naming the input and the reason."""
from __future__ import annotations

from pathlib import Path


class TempoError(Exception):
    """Base class for errors shown to the user without a traceback."""


class PathError(TempoError):
    """An error about one file or folder: the message names the path and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class InputError(PathError):
    """A bad input file or folder: the message names the path and what is wrong with it."""


class UsageError(TempoError):
    """Bad command-line usage (exit code 2)."""


class OutputError(PathError):
    """An output could not be written (e.g. ffmpeg refused it): the message names the path and the reason."""


def one_line(exc: BaseException) -> str:
    """An unexpected exception as one line: its type and the first line of its message."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}".rstrip(": ")
