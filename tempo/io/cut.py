"""Cut time ranges out of a video file with ffmpeg (ffmpeg-python over the bundled binary).

``cut_clip`` copies the streams when the range starts on a keyframe (no quality loss, no decoding) and
re-encodes otherwise: a stream copy can only start at a keyframe, so copying from elsewhere would shift the
start or show broken frames. ``concat_ranges`` re-encodes every range into one video (a highlight reel: pieces
cut by copy from different GOPs cannot be joined cleanly). Outputs appear atomically.
"""
from __future__ import annotations

import secrets
from pathlib import Path

import ffmpeg

from ..errors import OutputError
from .ffmpeg_bin import ffmpeg_exe


def keyframe_times(path) -> list[float]:
    """Presentation times (s) of the video stream's keyframes, read from packets (demux only, no decoding)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(float(p.pts * p.time_base) for p in container.demux(stream)
                      if p.is_keyframe and p.pts is not None)


def _run(node, dst: Path, **kwargs) -> None:
    """``node.output(dst, **kwargs)`` through a temp file in the same folder, renamed when ffmpeg succeeded."""
    tmp = dst.with_name(f".{dst.stem}.{secrets.token_hex(4)}.partial{dst.suffix}")  # ffmpeg picks the muxer by suffix
    try:
        node.output(str(tmp), **kwargs).overwrite_output().run(cmd=ffmpeg_exe(), capture_stdout=True,
                                                                capture_stderr=True)
        tmp.replace(dst)
    except ffmpeg.Error as exc:
        tmp.unlink(missing_ok=True)
        last = (exc.stderr or b"").decode("utf8", "replace").strip().splitlines()[-1:] or ["ffmpeg failed"]
        raise OutputError(dst, last[0]) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def cut_clip(src, dst, start: float, end: float, fps: float | None = None, crf: int = 18) -> str:
    """Write ``[start, end)`` seconds of ``src`` to ``dst``; returns "copy" or "encode" (what was done)."""
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    half_frame = 0.5 / fps if fps else 0.02
    copy = any(abs(t - start) <= half_frame for t in keyframe_times(src))
    if copy:
        # a copied cut ends at packet granularity and -t keeps the B-frame reordering tail (2 frames more here):
        # count the frames instead
        inp = ffmpeg.input(str(src), ss=max(start, 0.0))
        frames = {"frames:v": max(1, round((end - start) * fps))} if fps else {}
        _run(inp, dst, c="copy", avoid_negative_ts="make_zero", t=max(end - start, 1e-3), **frames)
    else:
        inp = ffmpeg.input(str(src), ss=max(start, 0.0), t=max(end - start, 1e-3))
        _run(inp, dst, vcodec="libx264", crf=crf, pix_fmt="yuv420p", preset="veryfast", acodec="aac")
    return "copy" if copy else "encode"


def concat_ranges(src, dst, ranges: list[tuple[float, float]], crf: int = 18) -> Path:
    """One video of the ``ranges`` of ``src`` in order (video only, re-encoded)."""
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    inp = ffmpeg.input(str(src))
    parts = [inp.video.trim(start=s, end=e).setpts("PTS-STARTPTS") for s, e in ranges]
    joined = ffmpeg.concat(*parts, v=1, a=0) if len(parts) > 1 else parts[0]
    _run(joined, dst, vcodec="libx264", crf=crf, pix_fmt="yuv420p", preset="veryfast")
    return dst
