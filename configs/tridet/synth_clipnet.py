# The embedded default's recipe: TriDet on MotionStats (77 flow statistics) stacked with ActionClipNet (384-d
# embeddings of tempo's clip network trained on the synth actions, configs/action_clipnet/synth.py): the
# `Stack` backbone, one feature per 16-frame window every 4 frames. Each channel is divided by its RMS over the
# training features (`feat_scale`, written by tools/build_default_detector.py, folded into the first conv at
# export). Why: on seed-0 validation, 6 seeds, epoch 5, the stacked features reached average mAP 0.383 where
# MotionStats alone had 0.159 (0.201 after 20 epochs): the clip network sees blinks, bounces and turns that
# globally pooled flow statistics blur.
_base_ = ["./synth_motion.py"]

input_dim = 77 + 384
feat_dir = "data/synth_detect/features_MotionStats+features_ActionClipNet"  # tools/build_default_detector.py

model = dict(input_dim=input_dim)
train_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim))
val_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim))
test_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim))
