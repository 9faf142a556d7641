"""Tiny random-weight mmaction2 I3D pairs (RGB + flow) in mmaction2's file formats: a recognizer config
(.py) and a checkpoint ``{"meta", "state_dict"}`` (.pth), for tests of the two-stream I3D features."""
from __future__ import annotations

from pathlib import Path

TINY_I3D = '''model = dict(
    type="Recognizer3D",
    backbone=dict(type="ResNet3d", pretrained2d=False, pretrained=None, depth=18, in_channels={in_channels},
                  base_channels={base}, num_stages=2, out_indices=(1,), spatial_strides=(1, 2),
                  temporal_strides=(1, 1), dilations=(1, 1), inflate=(1, 1), conv1_kernel=(3, 3, 3),
                  conv1_stride_t=1, pool1_stride_t=1, conv_cfg=dict(type="Conv3d"), norm_eval=False),
    cls_head=dict(type="I3DHead", num_classes=5, in_channels={out}, spatial_type="avg"),
    data_preprocessor=dict(type="ActionDataPreprocessor", mean={mean}, std={std}, format_shape="NCTHW"))
test_pipeline = [dict(type="SampleFrames", clip_len=16, frame_interval=1, num_clips=1, test_mode=True),
                 dict(type="Resize", scale=(-1, {size})), dict(type="CenterCrop", crop_size={crop})]
'''


def write_tiny_i3d(folder: Path, out_dim: int = 24, size: int = 36, crop: int = 32, seed: int = 0) -> dict:
    """Write rgb.py/flow.py configs and rgb.pth/flow.pth random weights; each stream gives ``out_dim`` features
    (even). Returns the paths by name."""
    import torch

    from tempo.features.mmaction_adapter import MMActionRecognizer

    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, ch, mean, std in (("rgb", 3, [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]),
                                ("flow", 2, [128.0, 128.0], [128.0, 128.0])):
        cfg = folder / f"{name}.py"
        cfg.write_text(TINY_I3D.format(in_channels=ch, base=out_dim // 2, out=out_dim, mean=mean, std=std,
                                       size=size, crop=crop))
        net = MMActionRecognizer(str(cfg), allow_random_init=True, seed=seed + ch)
        ckpt = folder / f"{name}.pth"
        torch.save({"meta": {"mmaction_version": "1.2.0"}, "state_dict": net.load_model().state_dict()}, ckpt)
        paths[f"{name}_config"], paths[f"{name}_checkpoint"] = cfg, ckpt
    return paths


def tiny_inception_widths(out_dim: int = 24) -> dict:
    """The published Inception-I3D widths scaled down so Mixed_5c gives ``out_dim`` channels (its 1x1 branch
    takes up the rounding)."""
    from tempo.models.common.inception_i3d import MIXED, STEM

    scale = out_dim / 1024
    widths = {name: max(1, round(w * scale)) for name, w in STEM.items()}
    widths.update({name: tuple(max(1, round(w * scale)) for w in ws) for name, ws in MIXED.items()})
    b0, b1a, b1b, b2a, b2b, b3b = widths["Mixed_5c"]
    widths["Mixed_5c"] = (out_dim - b1b - b2b - b3b, b1a, b1b, b2a, b2b, b3b)
    return widths


def write_tiny_inception_i3d(folder: Path, out_dim: int = 24, seed: int = 0, widths: dict | None = None) -> dict:
    """rgb_imagenet.pt / flow_imagenet.pt in pytorch-i3d's format with random weights (running statistics too):
    the key names of the official files, no num_batches_tracked (they were converted under PyTorch 0.3); the RGB
    file in the legacy (non-zip) serialisation as the official ones are. ``widths=None``: scaled to ``out_dim``;
    ``widths={}``: the published widths (1024-d)."""
    import torch

    from tempo.models.common.inception_i3d import InceptionI3d

    folder.mkdir(parents=True, exist_ok=True)
    widths = tiny_inception_widths(out_dim) if widths is None else widths
    paths = {}
    for name, ch in (("rgb", 3), ("flow", 2)):
        torch.manual_seed(seed + ch)
        net = InceptionI3d(ch, 400, widths)
        state = {}
        for key, value in net.state_dict().items():
            if key.endswith("num_batches_tracked"):
                continue
            if key.endswith("running_var"):
                value = torch.rand_like(value) + 0.5
            elif key.endswith(("running_mean", "bn.bias")):
                value = torch.randn_like(value) * 0.1
            state[key] = value.clone()
        path = folder / f"{name}_imagenet.pt"
        torch.save(state, path, _use_new_zipfile_serialization=name == "flow")
        paths[f"{name}_checkpoint"] = path
    return paths
