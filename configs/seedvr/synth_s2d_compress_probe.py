# A probe for issue #23, not a default: how far does this network get on compression when all of a CPU session's
# training goes to it? From stage 10 (synth_s2d_soft_light.py's last checkpoint), real footage only, JPEG / H.264 /
# noise + H.264 (real x264 crops), 10 % clean items, no soft items; lr 3e-4 cosine, 8,000 iterations (~45 min).
# Scored on the held-out compression clips only (docs/seedvr.md, session 19): noise + H.264 +0.14 dB over stage 10,
# JPEG -0.64, H.264 -0.15, so not shipped.
#   python tools/train.py configs/seedvr/synth_s2d_compress_probe.py --work-dir W \
#       --cfg-options train_dataloader.dataset.synth_dir=DATA load_from=STAGE10/iter_6000.pth
_base_ = ["./synth_s2d_soft_light.py"]
max_iters = 8000
train_cfg = dict(max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(lr=3e-4))
param_scheduler = [dict(type="CosineAnnealingLR", T_max=max_iters, eta_min=1e-5, by_epoch=False)]
train_dataloader = dict(dataset=dict(real_fraction=1.0, soft_fraction=0.0,
                                     kind_weights=dict(_delete_=True, jpeg=1, h264=2, noise_h264=2)))
