# TriDet on THUMOS14 with two-stream I3D features: the official configs/thumos_i3d.yaml (dingfengshi/TriDet).
_base_ = ["./_base_/tridet_runtime.py"]

data_root = "data/thumos"
ann_file = data_root + "/annotations/thumos14.json"
feat_dir = data_root + "/i3d_features"
num_classes = 20
input_dim = 2048
feat_stride = 4
num_frames = 16
max_seq_len = 2304
# Features from raw video (tempo detect --i3d-rgb rgb_imagenet.pt --i3d-flow flow_imagenet.pt): the Kinetics
# Inception-v1 I3D pair (1024 + 1024), RGB then TV-L1 flow, 16-frame windows at stride 4, at 30 fps
# (tempo/features/i3d.py says what was assumed).
feature_backbone = dict(type="I3DTwoStream")
feature_fps = 30.0

model = dict(
    type="TriDet",
    input_dim=input_dim, num_classes=num_classes, max_seq_len=max_seq_len,
    backbone_type="SGP", fpn_type="identity", backbone_arch=(2, 2, 5), scale_factor=2,
    max_buffer_len_factor=6.0, n_sgp_win_size=1, embd_kernel_size=3, embd_dim=512, embd_with_ln=True,
    fpn_dim=512, sgp_mlp_dim=768, fpn_with_ln=True, head_dim=512,
    regression_range=[(0, 4), (4, 8), (8, 16), (16, 32), (32, 64), (64, 10000)],
    head_num_layers=3, head_kernel_size=3, boudary_kernel_size=3, head_with_ln=True, use_abs_pe=False,
    num_bins=16, iou_weight_power=0.2, downsample_type="max", input_noise=0.0005, k=5, init_conv_vars=0,
    use_trident_head=True,
    train_cfg=dict(init_loss_norm=100, clip_grad_l2norm=1.0, cls_prior_prob=0.01, center_sample="radius",
                   center_sample_radius=1.5, loss_weight=1.0, head_empty_cls=[], dropout=0.0, droppath=0.1,
                   label_smoothing=0.0),
    test_cfg=dict(voting_thresh=0.7, pre_nms_topk=2000, max_seg_num=2000, min_score=0.001, multiclass_nms=True,
                  pre_nms_thresh=0.001, iou_threshold=0.1, nms_method="soft", nms_sigma=0.5, duration_thresh=0.05,
                  ext_score_file=None),
)

dataset_common = dict(type="DetectionFeatureDataset", ann_file=ann_file, feat_dir=feat_dir,
                      feat_stride=feat_stride, num_frames=num_frames, default_fps=None, max_seq_len=max_seq_len,
                      trunc_thresh=0.5, crop_ratio=(0.9, 1.0), num_classes=num_classes, input_dim=input_dim)
train_dataloader = dict(batch_size=2, num_workers=4, persistent_workers=True,
                        sampler=dict(type="DefaultSampler", shuffle=True),
                        dataset=dict(dataset_common, split=["validation"], training=True))
val_dataloader = dict(batch_size=1, num_workers=2, sampler=dict(type="DefaultSampler", shuffle=False),
                      dataset=dict(dataset_common, split=["test"], training=False))
test_dataloader = val_dataloader
val_evaluator = dict(type="TempoDetectionMAP", ann_file=ann_file, split="test",
                     tiou_thresholds="thumos")
test_evaluator = val_evaluator

