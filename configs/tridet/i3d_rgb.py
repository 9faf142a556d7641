# The RGB stream of TriDet's THUMOS14 features as an mmaction2 recognizer: I3D-R50 (mmaction2's
# configs/recognition/i3d/...kinetics400-rgb.py model), read by the I3DTwoStream backbone
# (tempo/features/i3d.py). Give its Kinetics-400 weights with --i3d-rgb. Python: runs as code.
# The test pipeline only tells tempo the clip length (16 frames, the official window) and the crop (224).
model = dict(
    type="Recognizer3D",
    backbone=dict(type="ResNet3d", pretrained2d=False, pretrained=None, depth=50, in_channels=3,
                  conv1_kernel=(5, 7, 7), conv1_stride_t=2, pool1_stride_t=2, conv_cfg=dict(type="Conv3d"),
                  norm_eval=False, inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
                  zero_init_residual=False),
    cls_head=dict(type="I3DHead", num_classes=400, in_channels=2048, spatial_type="avg", dropout_ratio=0.5,
                  init_std=0.01, average_clips="prob"),
    data_preprocessor=dict(type="ActionDataPreprocessor", mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape="NCTHW"))
test_pipeline = [dict(type="SampleFrames", clip_len=16, frame_interval=1, num_clips=1, test_mode=True),
                 dict(type="Resize", scale=(-1, 256)), dict(type="CenterCrop", crop_size=224)]
