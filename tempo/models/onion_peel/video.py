"""Complete a video file into another: decode in chunks, complete frame by frame, encode as it goes."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from ...errors import InputError
from ...io import VideoReader, VideoWriter
from ...io.atomic import atomic_copy
from .completer import AllHoleFrameError, VideoCompleter
from .masks import MaskSource


def first_hole_frame(masks: MaskSource, num_frames: int) -> int | None:
    """Index of the first frame with a hole (None: the mask is empty on every frame)."""
    count = 1 if masks.static else num_frames
    for i in range(count):
        if masks.get(i).any():
            return i
    return None


def complete_video(src, masks: MaskSource, dst, completer: VideoCompleter, codec: str = "h264", crf: int = 18,
                   on_frame: Callable[[int], None] | None = None) -> dict:
    """Write ``dst`` = ``src`` with the holes of ``masks`` filled; audio is copied.

    An empty mask copies the video through unchanged. Nothing is left at ``dst`` if anything fails.
    """
    reader = VideoReader(src)
    n = len(reader)
    summary = {"input": str(src), "output": str(dst), "frames": n, "width": reader.out_width,
               "height": reader.out_height, "fps": reader.fps, "frames_with_holes": 0, "peel_steps": 0}
    if first_hole_frame(masks, n) is None:
        summary["copied_through"] = True
        if Path(src).suffix.lower() == Path(dst).suffix.lower():
            atomic_copy(src, dst)  # nothing left at dst (or beside it) if the copy fails
        else:
            with VideoWriter(dst, reader.fps, reader.out_width, reader.out_height, codec=codec, crf=crf,
                             audio_from=src) as writer:
                for _, chunk in reader.iter_chunks(16):
                    writer.write_many(chunk)
                    if on_frame:
                        on_frame(len(chunk))
        return summary
    start = time.perf_counter()
    with VideoWriter(dst, reader.fps, reader.out_width, reader.out_height, codec=codec, crf=crf,
                     audio_from=src) as writer:
        try:
            for done in completer.run(n, reader.get_frames, masks.get):
                writer.write(done.image)
                summary["frames_with_holes"] += done.hole_pixels > 0
                summary["peel_steps"] += done.steps
                if on_frame:
                    on_frame(1)
        except AllHoleFrameError as exc:
            raise InputError(masks.name, str(exc)) from None
    summary["seconds"] = round(time.perf_counter() - start, 3)
    summary["frames_per_second"] = round(n / max(summary["seconds"], 1e-9), 3)
    summary["copied_through"] = False
    return summary
