"""Where the holes are: one image for every frame, a folder of per-frame images, a mask video, boxes.

Every source answers ``get(index) -> bool (H, W)`` (True = hole) at the video's own size, so masks are
read one frame at a time and never all held in memory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...errors import InputError, UsageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def _natural_key(path: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name)]


def image_to_hole(path) -> np.ndarray:
    """Read a mask image: palette images (DAVIS style) mark holes with any index > 0; other images are
    read as grey, hole = value > 0 for 0/1 images and value >= 128 for 0/255 (or lossy) ones."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            values = np.asarray(img if img.mode == "P" else img.convert("L"))
            palette = img.mode == "P"
    except (OSError, UnidentifiedImageError) as exc:
        raise InputError(path, f"cannot read mask image ({exc})") from None
    if palette or values.max() <= 1:
        return values > 0
    return values >= 128


class MaskSource:
    """Base: ``height``, ``width``, ``num_frames`` (None = any), ``get(index)`` -> bool (H, W)."""

    height: int
    width: int
    num_frames: int | None = None
    name: str = "mask"
    static: bool = False  # the same mask on every frame

    def get(self, index: int) -> np.ndarray:
        raise NotImplementedError


class StaticMask(MaskSource):
    """One mask for every frame (an image file or an array)."""

    def __init__(self, mask, name: str = "mask"):
        if isinstance(mask, (str, Path)):
            name, mask = str(mask), image_to_hole(mask)
        self.mask = np.asarray(mask, dtype=bool)
        self.static = True
        self.height, self.width = self.mask.shape
        self.name = name

    def get(self, index: int) -> np.ndarray:
        return self.mask


class FolderMasks(MaskSource):
    """One image per frame, in natural file-name order (frame_2.png before frame_10.png)."""

    def __init__(self, folder):
        folder = Path(folder)
        self.files = sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key)
        if not self.files:
            raise InputError(folder, "mask folder holds no images (" + ", ".join(sorted(IMAGE_SUFFIXES)) + ")")
        self.name = str(folder)
        self.num_frames = len(self.files)
        self.height, self.width = image_to_hole(self.files[0]).shape

    def get(self, index: int) -> np.ndarray:
        hole = image_to_hole(self.files[index])
        if hole.shape != (self.height, self.width):
            raise InputError(self.files[index], f"mask is {hole.shape[1]}x{hole.shape[0]}, the first mask "
                             f"is {self.width}x{self.height}")
        return hole


class VideoMasks(MaskSource):
    """A mask video (white = hole; grey >= 128 so that lossy coding does not matter), read in chunks."""

    def __init__(self, path, chunk_size: int = 16):
        from ...io import VideoReader

        self.reader = VideoReader(path)
        self.name = str(path)
        self.num_frames = len(self.reader)
        self.height, self.width = self.reader.out_height, self.reader.out_width
        self.chunk_size = chunk_size
        self._start, self._chunk = -1, None

    def get(self, index: int) -> np.ndarray:
        if self._chunk is None or not self._start <= index < self._start + len(self._chunk):
            self._start = index
            self._chunk = self.reader.get_frames(range(index, min(index + self.chunk_size, self.num_frames)))
        rgb = self._chunk[index - self._start]
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) >= 128


@dataclass
class Box:
    """A rectangle x, y, w, h (pixels), optionally only on frames [start, end] (inclusive)."""

    x: int
    y: int
    w: int
    h: int
    start: float | None = None
    end: float | None = None
    in_seconds: bool = False

    def active(self, index: int, fps: float) -> bool:
        t = index / fps if self.in_seconds else index
        return (self.start is None or t >= self.start) and (self.end is None or t <= self.end)


_BOX = re.compile(r"^\s*(\d+),(\d+),(\d+),(\d+)\s*(?:@\s*([\d.]*s?)\s*-\s*([\d.]*s?)\s*)?$")


def parse_box(spec: str) -> Box:
    """``x,y,w,h`` or ``x,y,w,h@t0-t1``; t0/t1 are frame numbers, or seconds with an ``s`` (``@1.5s-3s``);
    either end may be left out (``@100-``)."""
    m = _BOX.match(spec)
    if not m:
        raise UsageError(f"--box {spec!r}: expected x,y,w,h or x,y,w,h@t0-t1 (frames, or seconds as 1.5s)")
    x, y, w, h = (int(v) for v in m.group(1, 2, 3, 4))
    if w <= 0 or h <= 0:
        raise UsageError(f"--box {spec!r}: width and height must be positive")
    ends = [m.group(5) or "", m.group(6) or ""]
    seconds = any(e.endswith("s") for e in ends)
    if seconds and not all(e.endswith("s") or e == "" for e in ends):
        raise UsageError(f"--box {spec!r}: give both times in seconds (with s) or both as frame numbers")
    try:
        start, end = (float(e.rstrip("s")) if e.rstrip("s") else None for e in ends)
    except ValueError:
        raise UsageError(f"--box {spec!r}: cannot read the time range") from None
    if start is not None and end is not None and end < start:
        raise UsageError(f"--box {spec!r}: the range ends before it starts")
    return Box(x, y, w, h, start, end, seconds)


class BoxMasks(MaskSource):
    def __init__(self, boxes: list[Box], height: int, width: int, fps: float):
        self.boxes, self.height, self.width, self.fps = boxes, height, width, fps
        self.name = "--box"
        for b in boxes:
            if b.x >= width or b.y >= height:
                raise UsageError(f"--box {b.x},{b.y},{b.w},{b.h} lies outside the {width}x{height} video")

    def get(self, index: int) -> np.ndarray:
        hole = np.zeros((self.height, self.width), dtype=bool)
        for b in self.boxes:
            if b.active(index, self.fps):
                hole[b.y:b.y + b.h, b.x:b.x + b.w] = True
        return hole


class CombinedMasks(MaskSource):
    """Union of several sources, then an optional dilation by ``dilate`` pixels (a disc)."""

    def __init__(self, sources: list[MaskSource], dilate: int = 0):
        self.sources = sources
        self.height, self.width = sources[0].height, sources[0].width
        counts = [s.num_frames for s in sources if s.num_frames is not None]
        self.num_frames = min(counts) if counts else None
        self.name = " + ".join(s.name for s in sources)
        self.static = all(s.static for s in sources)
        self.kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1,) * 2) if dilate > 0 else None

    def get(self, index: int) -> np.ndarray:
        hole = self.sources[0].get(index)
        for s in self.sources[1:]:
            hole = hole | s.get(index)
        if self.kernel is not None and hole.any():
            hole = cv2.dilate(hole.astype(np.uint8), self.kernel).astype(bool)
        return hole


def open_masks(mask: str | Path | None, boxes: list[str], height: int, width: int, num_frames: int, fps: float,
               dilate: int = 0) -> MaskSource:
    """Build the mask source for a video of the given size and length, checking sizes and frame counts."""
    if dilate < 0:
        raise UsageError("--dilate must be >= 0")
    sources: list[MaskSource] = []
    if mask is not None:
        path = Path(mask)
        if not path.exists():
            raise InputError(path, "mask not found")
        if path.is_dir():
            sources.append(FolderMasks(path))
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            sources.append(StaticMask(path))
        else:
            sources.append(VideoMasks(path))
    if boxes:
        sources.append(BoxMasks([parse_box(b) for b in boxes], height, width, fps))
    if not sources:
        raise UsageError("give the holes with --mask (image, folder of images or video) and/or --box x,y,w,h")
    for s in sources:
        if (s.height, s.width) != (height, width):
            raise InputError(s.name, f"mask is {s.width}x{s.height} but the video is {width}x{height}")
        if s.num_frames is not None and s.num_frames != num_frames:
            raise InputError(s.name, f"{s.num_frames} mask frames for a video of {num_frames} frames")
    return CombinedMasks(sources, dilate)
