# TriDet on ActivityNet-1.3 with TSP features: the official configs/anet_tsp.yaml (dingfengshi/TriDet).
# Official ANet evaluation fuses the single "action" class with external video-level class scores
# (cuhk_val_simp_share.json); that fusion is not part of tempo (scores here are class-agnostic).
_base_ = ["./_base_/tridet_runtime.py"]

data_root = "data/anet_1.3"
ann_file = data_root + "/annotations/anet1.3_tsp_filtered.json"
feat_dir = data_root + "/tsp_features"
num_classes = 1
input_dim = 512
feat_stride = 16
num_frames = 16
max_seq_len = 768
warmup_epochs = 10
cosine_epochs = 5

model = dict(
    type="TriDet",
    input_dim=input_dim, num_classes=num_classes, max_seq_len=max_seq_len,
    backbone_type="SGP", fpn_type="identity", backbone_arch=(2, 2, 5), scale_factor=2,
    max_buffer_len_factor=1.0, n_sgp_win_size=15, embd_kernel_size=3, embd_dim=256, embd_with_ln=True,
    fpn_dim=256, sgp_mlp_dim=2048, fpn_with_ln=True, head_dim=512,
    regression_range=[(0, 4), (4, 8), (8, 16), (16, 32), (32, 64), (64, 10000)],
    head_num_layers=3, head_kernel_size=3, boudary_kernel_size=3, head_with_ln=True, use_abs_pe=True,
    num_bins=12, iou_weight_power=1, downsample_type="max", input_noise=0.5, k=1.3, init_conv_vars=0.2,
    use_trident_head=True,
    train_cfg=dict(init_loss_norm=400, clip_grad_l2norm=0.4, cls_prior_prob=0.01, center_sample="radius",
                   center_sample_radius=1.5, loss_weight=1.0, head_empty_cls=[], dropout=0.0, droppath=0.1,
                   label_smoothing=0.1),
    test_cfg=dict(voting_thresh=0.95, pre_nms_topk=2000, max_seg_num=200, min_score=0.001, multiclass_nms=False,
                  pre_nms_thresh=0.001, iou_threshold=0.1, nms_method="soft", nms_sigma=0.70, duration_thresh=0.1,
                  ext_score_file=data_root + "/annotations/cuhk_val_simp_share.json"),
)

dataset_common = dict(type="DetectionFeatureDataset", ann_file=ann_file, feat_dir=feat_dir, file_prefix="v_",
                      feat_stride=feat_stride, num_frames=num_frames, default_fps=15, max_seq_len=max_seq_len,
                      trunc_thresh=0.5, crop_ratio=(0.9, 1.0), num_classes=num_classes, input_dim=input_dim,
                      remove_duplicates=True, clip_to_features=True)
train_dataloader = dict(batch_size=16, num_workers=4, persistent_workers=True,
                        sampler=dict(type="DefaultSampler", shuffle=True),
                        dataset=dict(dataset_common, split=["training"], training=True))
val_dataloader = dict(batch_size=1, num_workers=2, sampler=dict(type="DefaultSampler", shuffle=False),
                      dataset=dict(dataset_common, split=["validation"], training=False))
test_dataloader = val_dataloader
val_evaluator = dict(type="TempoDetectionMAP", ann_file=ann_file, split="validation",
                     tiou_thresholds="anet")
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0.04), clip_grad=dict(max_norm=0.4))
param_scheduler = [
    dict(type="LinearLR", start_factor=1e-3, end_factor=1.0, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", T_max=cosine_epochs, eta_min=5e-5, by_epoch=True, begin=warmup_epochs,
         end=warmup_epochs + cosine_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=warmup_epochs + cosine_epochs, val_interval=warmup_epochs + cosine_epochs)
