"""Two-stream I3D features (RGB + optical flow), the features TriDet/ActionFormer's THUMOS14 models read.

Official description (ActionFormer README, reused by TriDet): "two-stream I3D models pretrained on Kinetics using
clips of 16 frames at the video frame rate (~30 fps) and a stride of 4 frames", RGB and flow features
concatenated, RGB first (1024 + 1024 = 2048). Each stream here is an mmaction2 recognizer (config + the user's
checkpoint); its feature is the backbone output averaged over time and space (as the I3D head pools).

What was assumed where the official extraction is not published in full (README "Official weights"):
- frames: resampled to 30 fps (THUMOS14 videos are 30 fps, so they are read unchanged), short side 256, centre
  crop 224 (the 340x256 of the THUMOS extraction for its 4:3 videos);
- flow: TV-L1 (OpenCV, default parameters) on grey frames, clipped to [-20, 20] px and stored as uint8, then the
  flow network's own mean/std; window i's 16 flows are from frame i*4+k to i*4+k+1, k = 0..15, so the window reads
  one frame past its 16 RGB frames (the last window of a video repeats its last frame: a zero flow);
- RGB: the RGB network's own mean/std (its checkpoint was trained with them).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..registry import BACKBONES
from .base import ClipBackbone
from .flow import FlowComputer

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs" / "tridet"
RGB_CONFIG = CONFIG_DIR / "i3d_rgb.py"
FLOW_CONFIG = CONFIG_DIR / "i3d_flow.py"


@BACKBONES.register_module()
class I3DTwoStream(ClipBackbone):
    """RGB I3D + flow I3D over the same 16-frame windows, features concatenated (RGB first).

    Args:
        rgb_checkpoint, flow_checkpoint: mmaction2 ``.pth`` weights of each stream (required unless
            ``allow_random_init``).
        rgb_config, flow_config: mmaction2 recognizer configs (default: tempo's I3D-R50 pair in configs/tridet/).
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
        missing = [f"{flag} (mmaction2 I3D {what} weights)" for flag, what, path in
                   (("--i3d-rgb", "RGB", rgb_checkpoint), ("--i3d-flow", "flow", flow_checkpoint))
                   if path is None and not allow_random_init]
        if missing:
            raise UsageError("two-stream I3D features need " + " and ".join(missing)
                             + "; or give precomputed features with --features X.npy")
        for path in (rgb_checkpoint, flow_checkpoint):
            if path is not None and not Path(path).is_file():
                raise InputError(path, "I3D checkpoint not found")
        from .mmaction_adapter import MMActionRecognizer

        def stream(config, checkpoint, default):
            return MMActionRecognizer(str(config or default), checkpoint=checkpoint,
                                      allow_random_init=allow_random_init, batch_size=batch_size, seed=seed)

        self.rgb = stream(rgb_config, rgb_checkpoint, RGB_CONFIG)
        self.flow_net = stream(flow_config, flow_checkpoint, FLOW_CONFIG)
        for net, channels, name in ((self.rgb, 3, "RGB"), (self.flow_net, 2, "flow")):
            got = net.cfg.model.backbone.get("in_channels", 3)
            if got != channels:
                raise InputError(net.config_path, f"the {name} stream's config takes {got} input channels, "
                                 f"not {channels}: are the RGB and flow configs swapped?")
        self.flow = FlowComputer(flow_method)
        self.flow_method = flow_method
        self.num_frames = self.rgb.num_frames
        self.input_size = self.rgb.input_size
        self.resize_size = _resize_short_side(self.rgb.cfg) or self.input_size
        self.batch_size = batch_size
        self.feature_dim = _out_channels(self.rgb.cfg.model) + _out_channels(self.flow_net.cfg.model)

    def weights_id(self) -> str:
        return f"rgb={self.rgb.weights_id()}|flow={self.flow_net.weights_id()}|{self.flow_method}"

    def describe(self) -> dict:
        return {**super().describe(), "flow_method": self.flow_method,
                "streams": [str(self.rgb.config_path.name), str(self.flow_net.config_path.name)]}

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


def _out_channels(model_cfg) -> int:
    """Channels of an mmaction2 recognizer's pooled backbone output, read from its head (no network built)."""
    head = model_cfg.get("cls_head") or {}
    if "in_channels" not in head:
        raise ValueError("the I3D config's cls_head names no in_channels (the backbone's output width)")
    return int(head["in_channels"])


def _resize_short_side(cfg) -> int | None:
    """The short side a config's test pipeline resizes to before its crop (``Resize scale=(-1, 256)``)."""
    for step in cfg.get("test_pipeline") or []:
        scale = step.get("scale") if step.get("type") == "Resize" else None
        if isinstance(scale, (tuple, list)) and len(scale) == 2 and scale[0] == -1:
            return int(scale[1])
    return None
