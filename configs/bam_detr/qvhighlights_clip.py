# BAM-DETR on the CLIP half of the QVHighlights features (official clip_features + clip_text_features, CLIP
# ViT-B/32: one image embedding per 2 s, text token features), so the trained model searches any folder of
# videos: tempo extracts these CLIP features itself from a local Hugging Face CLIP folder (openai's
# clip-vit-base-patch32, the CLIP the features came from). The official QVHighlights weights also read SlowFast
# features, which tempo does not extract from video: tempo ground refuses them with one line.
#
#   python tools/train.py configs/bam_detr/qvhighlights_clip.py \
#       --cfg-options search_bundle.clip_dir=clip-vit-base-patch32
#   tempo ground my_videos/ "a dog catches a frisbee" --checkpoint work_dirs/qvhighlights_clip/search.safetensors
_base_ = ["./qvhighlights.py"]

clip_feature_dirs = ["data/qvhighlights/features/clip_features"]
model = dict(model=dict(v_feat_dim=512 + 2))  # CLIP image + 2 TEF dims
train_dataloader = dict(dataset=dict(v_feat_dirs=clip_feature_dirs))
val_dataloader = dict(dataset=dict(v_feat_dirs=clip_feature_dirs))
test_dataloader = dict(dataset=dict(v_feat_dirs=clip_feature_dirs))
# how tempo makes the same inputs from a video and a query (the features carry no tempo metadata)
search_bundle = dict(
    video_features=dict(backbone="CLIPImage", layout="ground", fps=0.5, clip_len=2.0, frame_step=1),
    text=dict(encoder="CLIPText", tokens=True, max_tokens=32),
    clip_dir=None,  # the local CLIP folder (set with --cfg-options search_bundle.clip_dir=DIR, or --clip-dir later)
)
