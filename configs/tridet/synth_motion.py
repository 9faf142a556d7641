# The embedded default's recipe: TriDet on MotionStats features only (77 camera-compensated flow statistics per
# 16-frame window every 4 frames, `tempo extract --backbone MotionStats`), each channel divided by its RMS over the
# training features (`feat_scale`, written by tools/build_default_detector.py and folded into the first conv at
# export). Why not TwoStream (+ 1280 EfficientNet-Lite0 channels, configs/tridet/synth_effnet.py): the synth
# actions are defined by motion; on seed-0 validation the appearance channels cost mAP (0.103 with TwoStream
# unscaled vs 0.137 motion-only scaled, 30 epochs, seed 0 only) and make extraction several times slower.
_base_ = ["./synth_effnet.py"]

input_dim = 77
feat_dir = "data/synth_detect/features_MotionStats"
feat_scale = None  # path of the per-channel RMS .npy; None = raw features

# 6 seeds' train splits (tools/build_default_detector.py) are 6x the iterations per epoch: 20 epochs suffice
warmup_epochs = 5
cosine_epochs = 15
param_scheduler = [
    dict(type="LinearLR", start_factor=1e-3, end_factor=1.0, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", T_max=cosine_epochs, eta_min=1e-8, by_epoch=True, begin=warmup_epochs,
         end=warmup_epochs + cosine_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=warmup_epochs + cosine_epochs, val_interval=5)

model = dict(input_dim=input_dim)
train_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim, feat_scale=feat_scale))
val_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim, feat_scale=feat_scale))
test_dataloader = dict(dataset=dict(feat_dir=feat_dir, input_dim=input_dim, feat_scale=feat_scale))
