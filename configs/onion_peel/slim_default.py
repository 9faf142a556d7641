# The embedded default completer (tempo/weights/onion_peel_synth.*): a half-width OPN (width=0.5, 0.86 M
# parameters instead of 3.4 M, ~4x fewer FLOPs) in Telea-prefill mode, trained on CPU from scratch on synth
# complete clips plus real footage with synthetic masks. tools/build_default_completer.py fills in the real
# `videos` and the time cap.
_base_ = ["./synth_small.py"]

# prefill="telea": holes start from a Telea fill and the decoder learns a correction (see opn.OPN).
# hole_dilation=False: trained on exact masks, so the completer must not grow them (the demo's 3x3 cross).
# he_init=False: the shipped weights were trained from PyTorch's default init (see layers.init_for_training for why
# a new training should drop this line).
model = dict(type="OnionPeelOPNTrainer", opn=dict(thickness=8, width=0.5, prefill="telea", hole_dilation=False),
             hole_weight=6.0, grad_weight=1.0, he_init=False)
train_dataloader = dict(
    batch_size=2,
    dataset=dict(type="OnionPeelClips", synth_dir="/work/data/synth_complete", split="train", videos=[],
                 clip_len=4, max_stride=4, crop=(96, 160), length=100000, real_width=320, real_max_frames=300,
                 real_fraction=0.4),
)
max_iters = 2000
train_cfg = dict(type="IterBasedTrainLoop", max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(type="Adam", lr=3e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type="CosineAnnealingLR", eta_min=3e-5, by_epoch=False, begin=50, end=max_iters),
]
default_hooks = dict(logger=dict(type="LoggerHook", interval=20),
                     checkpoint=dict(type="CheckpointHook", interval=500, by_epoch=False, max_keep_ckpts=1))
custom_hooks = [dict(type="TempoTimeLimitHook", seconds=2700), dict(type="TempoSafeCheckpointHook")]
custom_imports = dict(imports=["tempo.models.onion_peel.train_model", "tempo.models.onion_peel.train_data",
                               "tempo.training"], allow_failed_imports=False)
