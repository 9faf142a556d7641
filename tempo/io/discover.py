"""Turn the paths a user gives (files and folders) into a list of candidate video files."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, UsageError
from .probe import symlink_problem

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts",
                  ".wmv", ".flv", ".3gp", ".ogv", ".y4m"}


def is_video_name(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def _dangling(path: Path) -> bool:
    """A symlink that cannot be followed (broken, or a loop); such a path must not reach ``resolve()``."""
    return path.is_symlink() and not path.exists()


def expand_inputs(paths, recursive: bool = True) -> list[Path | InputError]:
    """Files are kept as given (a bad one fails later with its own reason); folders are expanded to
    the video files inside them, sorted. A missing path, a broken or looping symlink (given, or a
    video name inside a folder) or a folder without videos becomes an ``InputError`` item, so a run
    over several inputs reports it in one line and goes on with the rest."""
    out: list[Path | InputError] = []
    for raw in paths:
        path = Path(raw)
        if _dangling(path):
            out.append(InputError(path, symlink_problem(path)))
        elif path.is_dir():
            pattern = "**/*" if recursive else "*"
            found: list[Path | InputError] = []
            for p in sorted(path.glob(pattern)):
                if p.name.startswith(".") or not is_video_name(p):
                    continue
                if _dangling(p):
                    found.append(InputError(p, symlink_problem(p)))
                elif p.is_file():
                    found.append(p)
            if not found:
                out.append(InputError(path, "folder contains no video files "
                                      f"(looked for {', '.join(sorted(VIDEO_SUFFIXES)[:6])}, ...)"))
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            out.append(InputError(path, "no such file or folder"))
    return out


def video_ids(inputs) -> list[tuple[Path | InputError, str]]:
    """Expand files/folders (like ``expand_inputs``) and pair each video with the name its outputs get,
    so that one output folder never holds two videos under one name:

    * a video given as a file: its file name without the extension (``clips/run.mp4`` -> ``run``);
    * a video found in a folder given as input: its path relative to that folder, without the extension,
      with ``/`` separators (``videos/a/run.mp4`` from ``videos`` -> ``a/run``), written into the same
      sub-folders of the output folder (``out/a/run.json``); a flat folder gives flat ids.
    * two different videos that still share an id (``x.mp4`` beside ``x.mkv``, or two files called
      ``run.mp4`` given one by one) raise ``UsageError`` before anything runs, instead of one output
      silently overwriting the other. The same video listed twice is kept once."""
    pairs: list[tuple[Path | InputError, str]] = []
    owner: dict[str, Path] = {}
    for raw in inputs:
        root = Path(raw)
        for item in expand_inputs([raw]):
            if isinstance(item, InputError):
                pairs.append((item, str(raw)))
                continue
            rel = item.relative_to(root) if root.is_dir() else Path(item.name)
            vid = rel.with_suffix("").as_posix()
            first = owner.setdefault(vid, item)
            if first.resolve() == item.resolve():
                if first is item:
                    pairs.append((item, vid))
                continue
            raise UsageError(f"{first} and {item} would both be written as {vid!r}: write them into different "
                             "output folders, or pass the folder that holds both")
    return pairs
