"""The two backbone interfaces every feature extractor implements, and shared pixel helpers.

* ``FrameBackbone``: one image at a time. ``forward_frames(frames uint8 N×H×W×3) -> N×C``.
  A feature window is the mean of the frames it samples.
* ``ClipBackbone``: a short clip at a time. ``forward_clips(clips uint8 K×T×H×W×3) -> K×C``,
  where T is ``num_frames`` (the frames the model was built for) when that is fixed.

Both load their network lazily (``.model``), so building one to ask for ``weights_id()`` (which enters
the cache key) is cheap: a cached re-run never loads weights.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np

from ..errors import InputError
from ..pipeline.fingerprint import file_fingerprint, stable_hash


class Backbone:
    kind: ClassVar[str] = "frame"  # "frame" or "clip"
    feature_dim: int
    input_size: int  # square side the network expects after resize + centre crop
    mean: tuple = (0.0, 0.0, 0.0)  # on the 0..255 scale, RGB
    std: tuple = (1.0, 1.0, 1.0)
    # True: frames are decoded at full size and shrunk with an area filter here (what a network trained on
    # area-resized frames needs); False: the decoder's own scaler resizes them (cheaper to move)
    area_resize: ClassVar[bool] = False

    def __init__(self):
        self._model = None
        self._lock = threading.Lock()

    # -- weights -----------------------------------------------------------------------------------
    def load_model(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    model = self.load_model()
                    model.eval()
                    for p in model.parameters():
                        p.requires_grad_(False)
                    self._model = model
        return self._model

    def weights_id(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> dict:
        return {"type": type(self).__name__, "kind": self.kind, "feature_dim": self.feature_dim,
                "input_size": self.input_size}

    # -- pixels ------------------------------------------------------------------------------------
    def normalise(self, frames: np.ndarray):
        """uint8 (..., H, W, C) -> float tensor (..., C, H, W), (x - mean) / std; C = len(mean) (RGB 3, flow 2)."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(frames)).float()
        x = x.movedim(-1, -3)
        mean = torch.tensor(self.mean, dtype=torch.float32).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(-1, 1, 1)
        return (x - mean) / std


class FrameBackbone(Backbone):
    kind = "frame"

    def forward_frames(self, frames: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class ClipBackbone(Backbone):
    kind = "clip"
    num_frames: int | None = None  # frames per clip the network needs (None: any)

    def forward_clips(self, clips: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> dict:
        return {**super().describe(), "num_frames": self.num_frames}


class TempoClipBackbone(ClipBackbone):
    """A clip network of tempo's own (tempo weights: ``x.safetensors`` + its ``x.json`` model config): the
    given or bundled weights, the sidecar read at once (weights load on first use), both in the cache key."""

    def __init__(self, checkpoint, bundled: Path, family: str, read_config):
        super().__init__()
        self.checkpoint = weights_file(checkpoint, bundled, family)
        self.config = read_config(self.checkpoint)

    def weights_id(self) -> str:
        return f"{file_weights_id(self.checkpoint)}:{stable_hash(self.config)}"

    def describe(self) -> dict:
        return {**super().describe(), "checkpoint": self.checkpoint.name}


def resize_short_side(frames: np.ndarray, size: int) -> np.ndarray:
    """Resize (N, H, W, 3) uint8 so the short side is ``size`` (area filter: no aliasing)."""
    h, w = frames.shape[1:3]
    if min(h, w) == size:
        return frames
    nh, nw = short_side_size(h, w, size)
    return np.stack([cv2.resize(f, (nw, nh), interpolation=cv2.INTER_AREA) for f in frames])


def short_side_size(h: int, w: int, size: int) -> tuple[int, int]:
    if h <= w:
        return size, max(1, round(w * size / h))
    return max(1, round(h * size / w)), size


def center_crop(frames: np.ndarray, crop: int | None) -> np.ndarray:
    """Centre crop (..., H, W, 3) to crop×crop; None keeps the whole (resized) frame."""
    if not crop:
        return frames
    h, w = frames.shape[-3:-1]
    if h < crop or w < crop:
        raise ValueError(f"cannot crop {crop}x{crop} from {w}x{h}")
    top, left = (h - crop) // 2, (w - crop) // 2
    return frames[..., top:top + crop, left:left + crop, :]


def prepare_frames(frames: np.ndarray, size: int, crop: int | None) -> np.ndarray:
    return center_crop(resize_short_side(frames, size), crop)


def fit_clips(clips: np.ndarray, num_frames: int, size: int) -> np.ndarray:
    """(K, T, H, W, 3) uint8 -> (K, num_frames, size, size, 3): T resampled evenly, frames that are not
    size x size resized (short side) and centre-cropped, as a clip network saw them in training."""
    k, t = clips.shape[:2]
    if t != num_frames:
        clips = clips[:, np.linspace(0, t, num_frames, endpoint=False).astype(int)]
    if clips.shape[2:4] != (size, size):
        flat = prepare_frames(clips.reshape(-1, *clips.shape[2:]), size, size)
        clips = flat.reshape(k, num_frames, *flat.shape[1:])
    return clips


def weights_file(checkpoint, bundled: Path, family: str) -> Path:
    """The given weights file, or the bundled one; a missing file is an InputError naming it."""
    path = Path(checkpoint) if checkpoint else bundled
    if not path.is_file():
        hint = "" if checkpoint else " (the bundled synth weights are missing; give checkpoint=)"
        raise InputError(path, f"{family} weights not found" + hint)
    return path


def file_weights_id(path) -> str:
    return "file:" + file_fingerprint(path)


def load_checkpoint_state(path, *, module_prefix: str = "each") -> dict:
    """A user checkpoint's tensors (``state_dict`` entry or the whole file, ``module.`` stripped), read with
    ``weights_only=True``: untrusted files cannot run code.

    ``module_prefix``: ``"each"`` strips ``module.`` from every key that has it; ``"all"`` strips it only when
    every key has it (an nn.DataParallel save), so a mixed file keeps its names and a strict load names them.
    """
    import torch

    if module_prefix not in ("each", "all"):
        raise ValueError(f"module_prefix must be 'each' or 'all', not {module_prefix!r}")
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "checkpoint not found")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]  # some errors carry no message
        raise InputError(path, f"cannot load checkpoint safely (weights_only): {first_line}") from None
    from ..models.common.state_dict import strip_module_prefix, weights_entry

    state = weights_entry(ckpt, ("state_dict",))
    if not isinstance(state, dict):
        raise InputError(path, "checkpoint holds no state_dict")
    return strip_module_prefix(state, only_if_all=module_prefix == "all")
