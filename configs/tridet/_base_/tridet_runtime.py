# Shared mmengine runtime of the TriDet configs: official optimisation recipe expressed with mmengine parts.
# Children set: model, data, lr / weight decay / epochs (warmup_epochs, cosine_epochs), clip_grad.
custom_imports = dict(
    imports=["tempo.models.tridet", "tempo.training", "tempo.data.detection_dataset",
             "tempo.eval.detection"],
    allow_failed_imports=False)

warmup_epochs = 20
cosine_epochs = 20
learning_rate = 1e-4
weight_decay = 0.025
eta_min = 1e-8
clip_grad_l2norm = 1.0
batch_size = 2

# AdamW; biases, norms and the learnable scales (Scale, AffineDropPath) get no weight decay (official groups).
optim_wrapper = dict(
    type="OptimWrapper",
    optimizer=dict(type="AdamW", lr=learning_rate, weight_decay=weight_decay),
    clip_grad=dict(max_norm=clip_grad_l2norm),
    paramwise_cfg=dict(bias_decay_mult=0.0, norm_decay_mult=0.0,
                       custom_keys={"norm": dict(decay_mult=0.0), ".ln.": dict(decay_mult=0.0),
                                    ".gn.": dict(decay_mult=0.0), "scale": dict(decay_mult=0.0)}))

# Linear warm-up then cosine, stepped every iteration (official LinearWarmupCosineAnnealingLR starts at 0;
# mmengine's LinearLR needs a positive start factor).
param_scheduler = [
    dict(type="LinearLR", start_factor=1e-3, end_factor=1.0, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", T_max=cosine_epochs, eta_min=eta_min, by_epoch=True, begin=warmup_epochs,
         end=warmup_epochs + cosine_epochs, convert_to_iter_based=True),
]

train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=warmup_epochs + cosine_epochs,
                 val_interval=warmup_epochs + cosine_epochs)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")

# EMA of the weights (official ModelEma, decay 0.999 == mmengine momentum 0.001), used for evaluation.
# TempoSafeCheckpointHook keeps checkpoints loadable with torch.load(weights_only=True) (resume, tools/test.py).
custom_hooks = [dict(type="EMAHook", ema_type="ExponentialMovingAverage", momentum=0.001, update_buffers=False),
                dict(type="TempoSafeCheckpointHook")]

default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", interval=5, max_keep_ckpts=2),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
randomness = dict(seed=1234567891)
log_level = "INFO"
load_from = None
resume = False
