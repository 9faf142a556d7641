"""Dense optical flow between consecutive frames, stored as the two-channel uint8 images flow networks read.

The convention of the common extraction tools (denseflow / mmaction2's ``tools/misc/flow_extraction.py``, the
flow that Kinetics two-stream I3D models were trained on): TV-L1 on grey frames, each component clipped to
[-bound, bound] (bound 20 px) and mapped linearly onto 0..255. A flow network then normalises it with its own
mean/std (mmaction2 flow configs: 128 / 128, i.e. back to about [-1, 1]).

OpenCV provides both methods (opencv-contrib's ``cv2.optflow`` for TV-L1, core ``cv2.DISOpticalFlow`` as the
fast fallback); nothing here is hand-written beyond the quantisation.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import cv2
import numpy as np

METHODS = ("tvl1", "dis")
BOUND = 20.0


def flow_method_available(method: str) -> bool:
    if method == "tvl1":
        return hasattr(cv2, "optflow") and hasattr(cv2.optflow, "DualTVL1OpticalFlow_create")
    return method == "dis"


def quantise(flow: np.ndarray, bound: float = BOUND) -> np.ndarray:
    """(H, W, 2) float pixels -> (H, W, 2) uint8: [-bound, bound] -> [0, 255] (rounded, clipped)."""
    scaled = (np.clip(flow, -bound, bound) + bound) * (255.0 / (2 * bound))
    return np.round(scaled).astype(np.uint8)


class FlowComputer:
    """Flow of frame pairs with a small memo: overlapping windows (16 frames, stride 4) share 12 of their pairs,
    so each pair is computed once. Keyed by the frames' bytes, so it needs no positions."""

    def __init__(self, method: str = "tvl1", bound: float = BOUND, memo: int = 256):
        if method not in METHODS:
            raise ValueError(f"flow method must be one of {METHODS}, not {method!r}")
        if not flow_method_available(method):
            raise ImportError("TV-L1 flow needs opencv-contrib (cv2.optflow); install opencv-contrib-python-headless "
                              "or use flow_method='dis'")
        self.method, self.bound, self.memo_size = method, bound, memo
        self._memo: OrderedDict = OrderedDict()
        self._local = threading.local()  # OpenCV algorithm objects are not thread-safe: one per thread
        self._lock = threading.Lock()  # guards the memo

    def _engine(self):
        algo = getattr(self._local, "algo", None)
        if algo is None:
            algo = self._local.algo = (cv2.optflow.DualTVL1OpticalFlow_create() if self.method == "tvl1"
                                       else cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM))
        return algo

    def pair(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """uint8 RGB frames a -> b: (H, W, 2) uint8 flow."""
        key = hashlib.blake2b(a.tobytes() + b.tobytes(), digest_size=16).digest()
        hit = self._memo.get(key)
        if hit is not None:
            self._memo.move_to_end(key)
            return hit
        ga = cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_RGB2GRAY)
        gb = cv2.cvtColor(np.ascontiguousarray(b), cv2.COLOR_RGB2GRAY)
        out = quantise(self._engine().calc(ga, gb, None), self.bound)
        with self._lock:
            self._memo[key] = out
            if len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)
        return out

    def clip(self, frames: np.ndarray) -> np.ndarray:
        """(T+1, H, W, 3) uint8 -> (T, H, W, 2) uint8: flow from each frame to the next."""
        return np.stack([self.pair(frames[i], frames[i + 1]) for i in range(len(frames) - 1)])
