"""A tiny random-weight mmaction2 SlowFast in mmaction2's file formats (config .py + checkpoint .pth with
``state_dict``), for tests of the SlowFast + CLIP grounding features."""
from __future__ import annotations

from pathlib import Path

TINY_SLOWFAST = '''model = dict(
    type="Recognizer3D",
    backbone=dict(
        type="ResNet3dSlowFast", pretrained=None, resample_rate=4, speed_ratio=4, channel_ratio=4,
        slow_pathway=dict(type="resnet3d", depth=18, pretrained=None, lateral=True, base_channels=8, num_stages=2,
                          out_indices=(1,), spatial_strides=(1, 2), temporal_strides=(1, 1), dilations=(1, 1),
                          conv1_kernel=(1, 3, 3), conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 1)),
        fast_pathway=dict(type="resnet3d", depth=18, pretrained=None, lateral=False, base_channels=2, num_stages=2,
                          out_indices=(1,), spatial_strides=(1, 2), temporal_strides=(1, 1), dilations=(1, 1),
                          conv1_kernel=(3, 3, 3), conv1_stride_t=1, pool1_stride_t=1)),
    cls_head=dict(type="SlowFastHead", in_channels={out}, num_classes=5, spatial_type="avg"),
    data_preprocessor=dict(type="ActionDataPreprocessor", mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape="NCTHW"))
test_pipeline = [dict(type="SampleFrames", clip_len=16, frame_interval=2, num_clips=1, test_mode=True),
                 dict(type="Resize", scale=(-1, 36)), dict(type="CenterCrop", crop_size=32)]
'''
OUT_DIM = 16 + 4  # slow 8*2 + fast 2*2 channels after two stages


def write_tiny_slowfast(folder: Path, seed: int = 0) -> dict:
    import torch

    from tempo.features.mmaction_adapter import MMActionRecognizer

    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "slowfast.py"
    cfg.write_text(TINY_SLOWFAST.format(out=OUT_DIM))
    net = MMActionRecognizer(str(cfg), allow_random_init=True, seed=seed)
    ckpt = folder / "slowfast.pth"
    torch.save({"meta": {"mmaction_version": "1.2.0"}, "state_dict": net.load_model().state_dict()}, ckpt)
    return {"config": cfg, "checkpoint": ckpt, "dim": OUT_DIM}
