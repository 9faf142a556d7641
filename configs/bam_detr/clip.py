# BAM-DETR on your own clips with CLIP features: CLIP image embeddings per 2-s clip (`tempo extract --backbone
# CLIPImage`) and CLIP text token features (tools/extract_text_features.py --encoder CLIPText), both from the same
# local Hugging Face CLIP folder. The feature sizes are read from the data ("auto": 512 + 2 TEF for ViT-B/32,
# 768 + 2 for ViT-L/14), and after training tools/train.py writes <work_dir>/search.safetensors + .json, a bundle
# that names the CLIP folder, for `tempo ground --checkpoint` and `tempo demo --checkpoint-dir`.
#
#   TEMPO_GROUND_DATA=data/mine python tools/train.py configs/bam_detr/clip.py --work-dir work_dirs/mine
#
# The data folder (TEMPO_GROUND_DATA, default data/clip_ground; mmengine substitutes the variable, so every path
# below follows it) holds train.jsonl and val.jsonl (Moment-DETR lines: qid, query, vid, duration,
# relevant_windows; saliency fields optional), features/video/<vid>.npz and features/text/qid<qid>.npz.
# The model sizes are the official QVHighlights recipe (configs/bam_detr/qvhighlights.py).
_base_ = ["./_base_/bam_detr_runtime.py"]

data_root = "{{$TEMPO_GROUND_DATA:data/clip_ground}}"
clip_length = 2.0  # seconds per feature row: tempo extract --layout ground --clip-len 2
max_v_l = 75  # 150 s per window; longer videos go through overlapping windows at search time
max_q_l = 32
max_epochs = 200
lr_drop = 80

model = dict(
    model=dict(v_feat_dim="auto", t_feat_dim="auto", hidden_dim=256, nheads=8, num_queries=10, enc_layers=2,
               dec_layers=2, dim_feedforward=1024, dropout=0.1, input_dropout=0.5, n_input_proj=2, max_q_l=max_q_l,
               use_txt_pos=False, aux_loss=True, quality_loss=True),
    test_cfg=dict(clip_length=clip_length),
)

dataset_common = dict(type="GroundingFeatureDataset", v_feat_dirs=[data_root + "/features/video"],
                      t_feat_dir=data_root + "/features/text", q_feat_type="last_hidden_state", max_q_l=max_q_l,
                      max_v_l=max_v_l, clip_len=clip_length, max_windows=5, use_tef=True)
train_dataloader = dict(dataset=dict(dataset_common, ann_file=data_root + "/train.jsonl"))
val_dataloader = dict(dataset=dict(dataset_common, ann_file=data_root + "/val.jsonl"))
test_dataloader = val_dataloader
val_evaluator = dict(type="TempoGroundingMetric", ann_file=data_root + "/val.jsonl", variant="bam", dataset="hl")
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [dict(type="StepLR", step_size=lr_drop, gamma=0.1, by_epoch=True)]
search_bundle = dict()  # <work_dir>/search.safetensors + .json (out="path.safetensors" to choose)
