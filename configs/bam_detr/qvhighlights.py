# BAM-DETR on QVHighlights with SlowFast + CLIP features: the official bam_detr/scripts/train.sh
# (Pilhyeon/BAM-DETR @914b3e7, --quality_loss) and the defaults of bam_detr/config.py.
_base_ = ["./_base_/bam_detr_runtime.py"]

data_root = "data/qvhighlights"
feat_root = data_root + "/features"
max_v_l = 75  # clips of 2 s
max_q_l = 32
clip_length = 2

model = dict(
    model=dict(v_feat_dim=2304 + 512 + 2,  # SlowFast + CLIP image + 2 TEF dims
               t_feat_dim=512, hidden_dim=256, nheads=8, num_queries=10, enc_layers=2, dec_layers=2,
               dim_feedforward=1024, dropout=0.1, input_dropout=0.5, n_input_proj=2, max_q_l=max_q_l,
               use_txt_pos=False, aux_loss=True, quality_loss=True),
    # official evaluation: windows clamped to 150 s and rounded to 2 s, soft-NMS 0.3, top 10
    test_cfg=dict(clip_length=clip_length, max_ts=150, nms_thd=0.3, max_before_nms=10, max_after_nms=10),
)

dataset_common = dict(type="GroundingFeatureDataset",
                      v_feat_dirs=[feat_root + "/slowfast_features", feat_root + "/clip_features"],
                      t_feat_dir=feat_root + "/clip_text_features", q_feat_type="last_hidden_state",
                      max_q_l=max_q_l, max_v_l=max_v_l, clip_len=clip_length, max_windows=5, use_tef=True)
train_dataloader = dict(num_workers=4,
                        dataset=dict(dataset_common, ann_file=data_root + "/highlight_train_release.jsonl"))
val_dataloader = dict(batch_size=100, num_workers=4,
                      dataset=dict(dataset_common, ann_file=data_root + "/highlight_val_release.jsonl"))
test_dataloader = val_dataloader
val_evaluator = dict(type="TempoGroundingMetric", ann_file=data_root + "/highlight_val_release.jsonl",
                     variant="bam", dataset="hl")
test_evaluator = val_evaluator
