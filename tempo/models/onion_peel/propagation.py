"""Flow-guided propagation: fill each hole pixel from the nearest frames where it is visible.

For a target frame t and each of its hole pixels, a chain of completed flows (``flow_fill``) carries the
pixel forward t -> t+1 -> ... and backward t -> t-1 -> ... (at most ``radius`` frames each way) until it lands
on a visible pixel of some frame. Every hop is checked forward-backward (the flow there and the reverse flow
at the landing point must cancel, Sundaram et al. 2010); a failed check or leaving the frame ends the chain,
so occluded or badly tracked pixels are not copied. The forward and backward candidates are blended with
weights 1 / (temporal distance). Pixels no chain reaches stay holes (``residual``) for the network / Telea.

Streaming: frames, holes and flows are kept only for the window [t - radius, t + radius], so memory is
bounded by the radius, not the video length. Flows are computed at most ``max_flow_side`` pixels on the long
side (the harmonic fill is the costly part and flow is smooth) and sampled with scaling.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import cv2
import numpy as np

from .completer import AllHoleFrameError
from .flow_fill import FlowEstimator, completed_flow, grey_for_flow

# forward-backward check: |f + b|^2 <= ALPHA (|f|^2 + |b|^2) + BETA (pixels^2), Sundaram et al.'s values
ALPHA, BETA = 0.01, 0.5
# a pair of frames whose flow leaves a mean absolute grey error above this (outside the holes) is not
# linked at all: a scene cut or a fade, where the flow is meaningless but can still pass the check
CUT_ERROR = 24.0


@dataclass
class Propagated:
    index: int
    frame: np.ndarray  # uint8 (H, W, 3): the input with the propagated hole pixels filled
    hole: np.ndarray  # bool (H, W): the original hole
    residual: np.ndarray  # bool (H, W): hole pixels no frame showed (left for the network)


def sample(img: np.ndarray, xy: np.ndarray, border=cv2.BORDER_REPLICATE, value=0.0) -> np.ndarray:
    """Bilinear samples of ``img`` (H, W[, C]) at float points ``xy`` (K, 2) -> (K[, C]).
    cv2.remap bounds each map side by SHRT_MAX, so the points go in rows of 1024."""
    k = len(xy)
    if k == 0:
        return np.zeros((0,) + img.shape[2:], img.dtype)
    rows = -(-k // 1024)
    pad = np.zeros((rows * 1024, 2), np.float32)
    pad[:k] = xy
    maps = pad.reshape(rows, 1024, 2)
    out = cv2.remap(img, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR, borderMode=border, borderValue=value)
    return out.reshape((rows * 1024,) + img.shape[2:])[:k]


def consistent(f: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Forward-backward check of displacements ``f`` (there) and ``b`` (back), (K, 2) each."""
    err = ((f + b) ** 2).sum(1)
    return err <= ALPHA * ((f ** 2).sum(1) + (b ** 2).sum(1)) + BETA


def warp_error(grey_a: np.ndarray, grey_b: np.ndarray, flow: np.ndarray, holes: np.ndarray) -> float:
    """Mean |a - b(x + flow)| over the pixels outside ``holes``: how well the flow explains ``a`` from ``b``."""
    h, w = grey_a.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    warped = cv2.remap(grey_b, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
    keep = ~holes
    if not keep.any():
        return 0.0
    return float(np.abs(warped.astype(np.float32) - grey_a)[keep].mean())


class FlowPropagator:
    """Stream a video through flow-guided propagation. ``radius``: the farthest frame a pixel is taken from."""

    def __init__(self, radius: int = 15, preset: str = "medium", max_flow_side: int = 512, grow: int = 4,
                 chunk_size: int = 8):
        if radius < 1:
            raise ValueError("radius must be >= 1")
        self.radius, self.grow, self.chunk_size = radius, grow, chunk_size
        self.max_flow_side = max_flow_side
        self.estimator = FlowEstimator(preset)
        self.stats: dict = {}

    def run(self, num_frames: int, get_frames: Callable[[Sequence[int]], np.ndarray],
            get_mask: Callable[[int], np.ndarray]) -> Iterator[Propagated]:
        self._get_frames, self._get_mask, self._n = get_frames, get_mask, num_frames
        self._frames: dict[int, np.ndarray] = {}
        self._holes: dict[int, np.ndarray] = {}
        self._greys: dict[int, np.ndarray] = {}
        self._fwd: dict[int, np.ndarray] = {}  # i -> flow i -> i+1 (flow resolution)
        self._bwd: dict[int, np.ndarray] = {}  # i -> flow i+1 -> i
        self._next = 0
        self.stats = {"peak_buffered_frames": 0, "peak_buffered_flows": 0, "propagated": 0, "residual": 0, "cuts": 0}
        for t in range(num_frames):
            self._load(min(t + self.radius, num_frames - 1))
            frame, hole = self._frames[t], self._holes[t]
            if hole.all():
                raise AllHoleFrameError(t)
            out, residual = frame, hole
            if hole.any():
                out, residual = self._fill(t)
                self.stats["propagated"] += int(hole.sum() - residual.sum())
                self.stats["residual"] += int(residual.sum())
            self.stats["peak_buffered_frames"] = max(self.stats["peak_buffered_frames"], len(self._frames))
            self.stats["peak_buffered_flows"] = max(self.stats["peak_buffered_flows"], len(self._fwd))
            yield Propagated(t, out, hole, residual)
            self._release_before(t + 1 - self.radius)

    def _load(self, last: int) -> None:
        while self._next <= last:
            idx = list(range(self._next, min(self._next + self.chunk_size, self._n)))
            for i, frame in zip(idx, self._get_frames(idx)):
                hole = np.asarray(self._get_mask(i)) > 0.5
                if hole.shape != frame.shape[:2]:
                    raise ValueError(f"frame {i}: mask is {hole.shape[1]}x{hole.shape[0]}, "
                                     f"frame is {frame.shape[1]}x{frame.shape[0]}")
                self._frames[i], self._holes[i] = frame, hole
            self._next = idx[-1] + 1

    def _release_before(self, index: int) -> None:
        for d in (self._frames, self._holes, self._greys, self._fwd, self._bwd):
            for i in [i for i in d if i < index]:
                del d[i]

    def _scale(self) -> float:
        h, w = next(iter(self._holes.values())).shape
        return min(1.0, self.max_flow_side / max(h, w))

    def _grey(self, i: int) -> np.ndarray:
        if i not in self._greys:
            frame, hole = self._frames[i], self._holes[i]
            s = self._scale()
            if s < 1:
                size = (round(frame.shape[1] * s), round(frame.shape[0] * s))
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
                hole = cv2.resize(hole.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
                self._greys[i] = (grey_for_flow(frame, hole), hole)
            else:
                self._greys[i] = (grey_for_flow(frame, hole), hole)
        return self._greys[i]

    def _flows(self, i: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(flow i -> i+1, flow i+1 -> i), holes filled, at flow resolution; None across a cut."""
        if i not in self._fwd:
            (ga, ha), (gb, hb) = self._grey(i), self._grey(i + 1)
            fwd = completed_flow(self.estimator, ga, gb, ha, hb, self.grow)
            self._fwd[i] = None
            self._bwd[i] = None
            if warp_error(ga, gb, fwd, ha | hb) <= CUT_ERROR:
                self._fwd[i] = fwd
                self._bwd[i] = completed_flow(self.estimator, gb, ga, hb, ha, self.grow)
            else:
                self.stats["cuts"] += 1
        return None if self._fwd[i] is None else (self._fwd[i], self._bwd[i])

    def _chain(self, t: int, xy: np.ndarray, step: int):
        """Follow ``xy`` (K, 2) from frame t in direction ``step`` (+1/-1): (colour (K, 3) float, distance (K,),
        0 where no visible pixel was reached)."""
        h, w = self._holes[t].shape
        s = self._scale()
        colour = np.zeros((len(xy), 3), np.float32)
        dist = np.zeros(len(xy), np.int32)
        alive = np.arange(len(xy))
        pos = xy.astype(np.float32)
        last = min(t + self.radius, self._n - 1) if step > 0 else max(t - self.radius, 0)
        for u in range(t + step, last + step, step):
            flows = self._flows(min(u, u - step))
            if flows is None:
                break
            fwd, bwd = flows
            there, back = (fwd, bwd) if step > 0 else (bwd, fwd)
            p = pos[alive]
            d = sample(there, p * s) / s
            q = p + d
            ok = consistent(d, sample(back, q * s) / s)
            ok &= (q[:, 0] >= 0) & (q[:, 0] <= w - 1) & (q[:, 1] >= 0) & (q[:, 1] <= h - 1)
            alive, q = alive[ok], q[ok]
            # visible = no hole pixel under the bilinear footprint
            vis = sample(self._holes[u].astype(np.float32), q, cv2.BORDER_CONSTANT, 1.0) == 0
            found = alive[vis]
            colour[found] = sample(self._frames[u], q[vis]).astype(np.float32)
            dist[found] = abs(u - t)
            alive = alive[~vis]
            pos[alive] = q[~vis]
            if len(alive) == 0:
                break
        return colour, dist

    def _fill(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        hole = self._holes[t]
        ys, xs = np.nonzero(hole)
        xy = np.stack([xs, ys], 1).astype(np.float32)
        cf, df = self._chain(t, xy, +1) if t + 1 < self._n else (None, np.zeros(len(xy), np.int32))
        cb, db = self._chain(t, xy, -1) if t > 0 else (None, np.zeros(len(xy), np.int32))
        wf = np.where(df > 0, 1.0 / np.maximum(df, 1), 0.0)
        wb = np.where(db > 0, 1.0 / np.maximum(db, 1), 0.0)
        total = wf + wb
        found = total > 0
        acc = np.zeros((len(xy), 3), np.float64)
        if cf is not None:
            acc += wf[:, None] * cf
        if cb is not None:
            acc += wb[:, None] * cb
        out = self._frames[t].copy()
        out[ys[found], xs[found]] = np.clip(acc[found] / total[found, None] + 0.5, 0, 255).astype(np.uint8)
        residual = np.zeros_like(hole)
        residual[ys[~found], xs[~found]] = True
        return out, residual
