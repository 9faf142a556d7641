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
