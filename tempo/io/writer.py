"""Streaming video writer over ffmpeg-python (H.264 yuv420p by default) with an atomic finish.

Frames go to ffmpeg's stdin one at a time, so memory does not grow with video length. The file
appears under its final name only when writing succeeded; a failure or an interrupt leaves nothing.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path

import ffmpeg
import numpy as np

from ..errors import OutputError
from .ffmpeg_bin import ffmpeg_exe

# Codec presets: name -> (output kwargs, file suffix allowed). yuv420p needs even sizes, handled by padding.
CODECS = {
    "h264": {"vcodec": "libx264", "pix_fmt": "yuv420p"},
    "mjpeg": {"vcodec": "mjpeg", "pix_fmt": "yuvj420p"},
    "vp9": {"vcodec": "libvpx-vp9", "pix_fmt": "yuv420p"},
    "ffv1": {"vcodec": "ffv1", "pix_fmt": "bgr0"},
}
# File suffixes whose container holds each codec (checked with the bundled ffmpeg; tempo reads all of them
# back). The commands refuse other suffixes before any work (tempo.io.outputs.check_video_output).
CONTAINERS = {
    "h264": {".mp4", ".m4v", ".mov", ".mkv", ".avi", ".ts", ".mts", ".flv", ".3gp"},
    "mjpeg": {".mp4", ".mov", ".mkv", ".avi"},
    "vp9": {".webm", ".mkv", ".mp4"},
    "ffv1": {".mkv", ".avi", ".mov"},
}


class VideoWriter:
    """Write RGB uint8 frames (H, W, 3) to a video file.

    Args:
        path: output file (mp4, mkv, avi, webm ...).
        fps: frame rate, kept exactly (rational strings like "30000/1001" are accepted).
        width, height: frame size; odd sizes are padded by one edge pixel row/column for yuv420p
            (the padding replicates the border, so nothing black appears).
        codec: one of ``CODECS``; ``crf`` and ``preset`` tune libx264.
        audio_from: copy the audio stream of this file, if it has one.
        extra_output_args: more ffmpeg output options (e.g. ``{"metadata:s:v:0": "rotate=90"}``).
    """

    def __init__(self, path, fps, width: int, height: int, codec: str = "h264", crf: int = 18,
                 preset: str = "veryfast", audio_from=None, extra_output_args: dict | None = None):
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.frames_written = 0
        self._pad_even = CODECS[codec]["pix_fmt"].startswith("yuv")
        out_w = self.width + (self.width % 2 if self._pad_even else 0)
        out_h = self.height + (self.height % 2 if self._pad_even else 0)
        self._out_size = (out_w, out_h)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(self.path, f"cannot create its folder: {exc.strerror or exc}") from None
        # Temp name in the same folder keeps the final rename atomic; keep the suffix so ffmpeg picks the muxer;
        # a random part so nobody can plant a file (or symlink) there in advance. ffmpeg creates it like a
        # plain open() (0o666 minus the umask), and the rename keeps that mode.
        token = secrets.token_hex(4)
        self._tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.{token}.partial{self.path.suffix}")
        video = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{out_w}x{out_h}",
                             framerate=str(fps))
        kwargs = dict(CODECS[codec])
        if codec == "h264":
            kwargs.update(crf=crf, preset=preset, movflags="+faststart")
        if codec == "vp9":
            kwargs.update(crf=crf, **{"b:v": 0})
        kwargs.update(extra_output_args or {})
        streams = [video]
        if audio_from is not None and _has_audio(audio_from):
            streams.append(ffmpeg.input(str(audio_from)).audio)
            kwargs.update(acodec="aac", shortest=None)
        out = ffmpeg.output(*streams, str(self._tmp), **kwargs).overwrite_output().global_args(
            "-loglevel", "error")
        self._proc = subprocess.Popen(out.compile(cmd=ffmpeg_exe()), stdin=subprocess.PIPE,
                                      stderr=subprocess.PIPE)

    def write(self, frame: np.ndarray) -> None:
        """Append one RGB uint8 frame of the size given at construction."""
        frame = np.asarray(frame)
        if frame.shape != (self.height, self.width, 3):
            raise ValueError(f"{self.path}: frame shape {frame.shape} != {(self.height, self.width, 3)}")
        if frame.dtype != np.uint8:
            frame = np.clip(frame, 0, 255).astype(np.uint8)
        out_w, out_h = self._out_size
        if (out_w, out_h) != (self.width, self.height):
            frame = np.pad(frame, ((0, out_h - self.height), (0, out_w - self.width), (0, 0)), mode="edge")
        try:
            self._proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        except BrokenPipeError:
            raise OutputError(self.path, f"ffmpeg failed: {self._stop()}") from None
        self.frames_written += 1

    def write_many(self, frames) -> None:
        for frame in frames:
            self.write(frame)

    def close(self) -> Path:
        """Finish encoding and move the file to its final name."""
        if self._proc is None:
            return self.path
        try:
            try:
                self._proc.stdin.close()
            except BrokenPipeError:  # ffmpeg already gone: its stderr says why
                pass
            err = self._proc.stderr.read()
            code = self._proc.wait()
        except BaseException:  # interrupted while ffmpeg finishes: leave nothing behind
            self._stop()
            raise
        self._proc = None
        if code != 0 or self.frames_written == 0:
            self._tmp.unlink(missing_ok=True)
            reason = _ffmpeg_reason(err, self._tmp, self.path) if code else "no frames written"
            raise OutputError(self.path, f"ffmpeg failed: {reason}")
        try:
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self._tmp.unlink(missing_ok=True)
            raise OutputError(self.path, exc.strerror or str(exc)) from None
        return self.path

    def _stop(self) -> str:
        """End ffmpeg (if still running) and delete the partial file; returns ffmpeg's reason."""
        proc, self._proc = self._proc, None
        err = b""
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.stdin.close()
            except OSError:  # BrokenPipeError: ffmpeg is gone
                pass
            err = proc.stderr.read()
            proc.wait()
        self._tmp.unlink(missing_ok=True)
        return _ffmpeg_reason(err, self._tmp, self.path)

    def abort(self) -> None:
        """Stop ffmpeg and delete the partial file."""
        self._stop()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False


def _ffmpeg_reason(err: bytes, tmp: Path, path: Path) -> str:
    """ffmpeg's first error line: the cause (the lines after it are the cascade of stopping threads)."""
    lines = err.decode(errors="replace").strip().splitlines()
    if not lines:
        return "ffmpeg stopped without a message"
    return re.sub(r"^\[[^]]*@ 0x[0-9a-f]+\] ", "", lines[0]).replace(tmp.name, path.name)


def _has_audio(path) -> bool:
    import av

    try:
        with av.open(str(path)) as container:
            return len(container.streams.audio) > 0
    except Exception:
        return False


def write_video(path, frames, fps, **kwargs) -> Path:
    """Write an iterable of RGB frames; size taken from the first frame."""
    it = iter(frames)
    first = np.asarray(next(it))
    with VideoWriter(path, fps, first.shape[1], first.shape[0], **kwargs) as writer:
        writer.write(first)
        writer.write_many(it)
    return Path(path)
