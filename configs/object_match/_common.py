# Shared run settings of the object stage's trainings (configs/object_match/*.py).
custom_imports = dict(imports=["tempo.models.object_match", "tempo.training"], allow_failed_imports=False)
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=1, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
val_evaluator = dict(type="StageAccuracy")
test_evaluator = val_evaluator
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
custom_hooks = [dict(type="TempoSafeCheckpointHook")]
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
randomness = dict(seed=0)
log_level = "INFO"
load_from = None
resume = False
