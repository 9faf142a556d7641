"""Propagation first, then a spatial stage for what no frame shows: the default ``tempo complete`` pipeline.

``PropagationCompleter`` streams the video through ``FlowPropagator`` and hands the propagated frames, with
only the *residual* hole (pixels no frame showed), to either

* an OPN ``VideoCompleter`` (the embedded default is an OPN in Telea-prefill mode, so the residual starts
  from Telea and gets the network's learned correction; its memory frames are the propagated frames), or
* ``None``: OpenCV Telea on the residual ("propagation + Telea").

Both keep the streaming contract of ``VideoCompleter.run``: frames in order, bounded buffers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import cv2
import numpy as np

from .completer import VideoCompleter
from .propagation import FlowPropagator, Propagated


@dataclass
class PropagatedFrame:
    index: int
    image: np.ndarray  # uint8 (H, W, 3): the input with only the hole pixels replaced
    steps: int  # peel steps of the network on the residual (0 with Telea or without residual)
    hole_pixels: int
    residual_pixels: int


class _Stream:
    """Propagated frames produced in order on demand, kept until released (the network's look-ahead)."""

    def __init__(self, it: Iterator[Propagated]):
        self.it, self.items, self.next = it, {}, 0

    def get(self, index: int) -> Propagated:
        while index >= self.next:
            item = next(self.it)
            self.items[item.index] = item
            self.next = item.index + 1
        return self.items[index]

    def release_before(self, index: int) -> None:
        for i in [i for i in self.items if i < index]:
            del self.items[i]


class PropagationCompleter:
    def __init__(self, propagator: FlowPropagator | None = None, network: VideoCompleter | None = None):
        self.propagator = propagator or FlowPropagator()
        self.network = network
        self.stats: dict = {}

    @property
    def name(self) -> str:
        return "propagation + OPN refinement" if self.network is not None else "propagation + Telea"

    def run(self, num_frames: int, get_frames: Callable[[Sequence[int]], np.ndarray],
            get_mask: Callable[[int], np.ndarray]) -> Iterator[PropagatedFrame]:
        stream = _Stream(self.propagator.run(num_frames, get_frames, get_mask))
        if self.network is None:
            for t in range(num_frames):
                p = stream.get(t)
                image = p.frame
                if p.residual.any():
                    image = cv2.inpaint(p.frame, p.residual.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA)
                stream.release_before(t + 1)
                yield PropagatedFrame(t, image, 0, int(p.hole.sum()), int(p.residual.sum()))
        else:
            frames = lambda idx: np.stack([stream.get(i).frame for i in idx])  # noqa: E731
            masks = lambda i: stream.get(i).residual  # noqa: E731
            for done in self.network.run(num_frames, frames, masks):
                p = stream.get(done.index)
                stream.release_before(done.index)
                yield PropagatedFrame(done.index, done.image, done.steps, int(p.hole.sum()), int(p.residual.sum()))
        self.stats = dict(self.propagator.stats)
