# Fourth continuation for issue #23, from synth_s2d_context.py's last checkpoint: the one type still under its input
# is down-scale, all of it one held-out cartoon (Megamind, -1.4 dB; its JPEG clip is also under nlmeans): on smooth
# content a x2 down-scale loses almost nothing and the network sharpens edges that were never sharp. A quarter of
# the real-footage items now have soft content (tempo.models.seedvr.train_data.soften: a 1.5-3x smaller window
# interpolated up, as animation and up-scaled footage look) and a lower peak learning rate fine-tunes.
#   python tools/train.py configs/seedvr/synth_s2d_soft.py --work-dir W \
#       --cfg-options train_dataloader.dataset.synth_dir=DATA load_from=PREVIOUS/iter_16000.pth
_base_ = ["./synth_s2d_context.py"]
max_iters = 12000
train_cfg = dict(max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(lr=3e-4))
param_scheduler = [dict(type="CosineAnnealingLR", T_max=max_iters, eta_min=1e-5, by_epoch=False)]
train_dataloader = dict(dataset=dict(soft_fraction=0.25))
