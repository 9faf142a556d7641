# BAM-DETR (the head unchanged) for tempo's synthetic grounding benchmark on text-aligned rows: the embedded default.
# Video: TextClipNet (tempo/weights/text_clipnet_synth.*) embeddings, one row per 4 frames at 15 fps (0.27 s), each
# from a 16-frame window centred on it (layout "centered"), 256-d + the 2 TEF columns.
# Text: TextClipText.encode_query_tokens: the aligned sentence embedding as the first token ([0 | 256-d]) then
# MiniLM's word tokens ([384-d | 0]): 640 channels, at most 1 + 32 tokens.
# Data and weights are made by tools/build_default_grounder.py (rows of frames rendered from the synth scene plans).
_base_ = ["./_base_/bam_detr_runtime.py"]

data_root = "data/synth_ground_textclip"
clip_length = 4 / 15  # seconds per row: stride 4 frames at 15 fps
video_dim = 256
text_dim = 640
max_v_l = 128  # 34 s per window (every synth video fits); longer videos go through overlapping windows
max_q_l = 33
q_feat_type = "last_hidden_state"
max_epochs = 24

model = dict(
    model=dict(v_feat_dim=video_dim + 2, t_feat_dim=text_dim, hidden_dim=256, nheads=8, num_queries=10,
               enc_layers=2, dec_layers=2, dim_feedforward=256, dropout=0.1,
               # 0.5 (official) on 256 unit-length channels drowns the aligned dot product in noise
               input_dropout=0.1, n_input_proj=2,
               max_q_l=max_q_l, use_txt_pos=False, aux_loss=True, quality_loss=True),
    test_cfg=dict(clip_length=clip_length),
)

# saliency_from_windows: the annotations' clip ids are for 2-s clips; re-derived on this 0.27-s grid
dataset_common = dict(type="GroundingFeatureDataset", v_feat_dirs=[data_root + "/features/video"],
                      t_feat_dir=data_root + "/features/text", q_feat_type=q_feat_type, max_q_l=max_q_l,
                      max_v_l=max_v_l, clip_len=clip_length, max_windows=5, use_tef=True,
                      saliency_from_windows=True)
train_dataloader = dict(dataset=dict(dataset_common, ann_file=data_root + "/train.jsonl"))
val_dataloader = dict(dataset=dict(dataset_common, ann_file=data_root + "/val.jsonl"))
test_dataloader = dict(val_dataloader, dataset=dict(dataset_common, ann_file=data_root + "/val.jsonl"))
val_evaluator = dict(type="TempoGroundingMetric", ann_file=data_root + "/val.jsonl", variant="bam", dataset="hl",
                     match_number=False)
test_evaluator = dict(val_evaluator)
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
# cosine to the end of the schedule (not the official StepLR): tools/train.py --time-budget then rescales it whole
param_scheduler = [dict(type="CosineAnnealingLR", eta_min=1e-6, by_epoch=True, begin=0, end=max_epochs)]
