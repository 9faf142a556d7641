"""Turn the paths a user gives (files and folders) into a list of candidate video files."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts",
                  ".wmv", ".flv", ".3gp", ".ogv", ".y4m"}


def is_video_name(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def expand_inputs(paths, recursive: bool = True) -> list[Path | InputError]:
    """Files are kept as given (a bad one fails later with its own reason); folders are expanded to
    the video files inside them, sorted. A missing path or a folder without videos becomes an
    ``InputError`` item, so a run over several inputs reports it and goes on with the rest."""
    out: list[Path | InputError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found = sorted(p for p in path.glob(pattern) if p.is_file() and is_video_name(p)
                           and not p.name.startswith("."))
            if not found:
                out.append(InputError(path, "folder contains no video files "
                                      f"(looked for {', '.join(sorted(VIDEO_SUFFIXES)[:6])}, ...)"))
            out.extend(found)
        elif path.exists() or path.is_symlink():
            out.append(path)
        else:
            out.append(InputError(path, "no such file or folder"))
    return out
