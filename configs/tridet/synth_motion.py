# The embedded default's recipe: TriDet on MotionStats features only (77 camera-compensated flow statistics per
# 16-frame window every 4 frames, `tempo extract --backbone MotionStats`), each channel divided by its RMS over the
# training features (`feat_scale`, written by tools/build_default_detector.py and folded into the first conv at
# export). Why not TwoStream (+ 1280 EfficientNet-Lite0 channels, configs/tridet/synth_effnet.py): the synth
# actions are defined by motion; on seed-0 validation the appearance channels cost mAP (0.103 with TwoStream
# unscaled vs 0.146 motion-only scaled at epoch 15 of 30) and make extraction ~10x slower.
_base_ = ["./synth_effnet.py"]

input_dim = 77
feat_dir = "data/synth_detect/features_MotionStats"
feat_scale = None  # path of the per-channel RMS .npy; None = raw features

model = dict(input_dim=input_dim)
train_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim, feat_scale=feat_scale))
val_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim, feat_scale=feat_scale))
test_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim, feat_scale=feat_scale))
