# A CPU recipe for the official (mean-fill) OPN at half width, from scratch: He init, an autoencoder warm-up
# (OPNTrainer.autoencoder_iters: the decoder first learns value -> RGB on clean frames), then the hole loss on
# clips whose memory frames often have their own, independent holes. Measured in the README ("Completion quality");
# not the shipped default. Real footage: --cfg-options 'train_dataloader.dataset.videos=[...]' (the list
# tools/build_default_completer.py's training_videos() gives); model.match_weight=... adds key supervision.
_base_ = ["./slim_default.py"]

autoencoder_iters = 1500
model = dict(type="OnionPeelOPNTrainer", opn=dict(thickness=8, width=0.5, prefill=None, hole_dilation=False),
             hole_weight=6.0, grad_weight=1.0, he_init=True, autoencoder_iters=autoencoder_iters)
train_dataloader = dict(dataset=dict(clip_len=3, crop=(64, 96), independent_memory_holes=0.5))
max_iters = 8000
train_cfg = dict(type="IterBasedTrainLoop", max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(type="Adam", lr=1e-3), clip_grad=dict(max_norm=1.0))
# 1e-3 for the autoencoder warm-up, 3e-4 for the hole loss (what the CPU probes used)
param_scheduler = [dict(type="MultiStepLR", milestones=[autoencoder_iters], gamma=0.3, by_epoch=False)]
