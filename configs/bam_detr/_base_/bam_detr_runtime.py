# Shared mmengine runtime of the BAM-DETR configs: the official optimisation recipe (bam_detr/train.py) with
# mmengine parts. Children set: model, data, lr_drop / max_epochs, batch sizes.
custom_imports = dict(
    imports=["tempo.models.bam_detr", "tempo.training", "tempo.data.grounding_dataset",
             "tempo.eval.grounding"],
    allow_failed_imports=False)

lr = 1e-4
weight_decay = 1e-4
grad_clip = 0.1
max_epochs = 200
lr_drop = 80  # official StepLR(step_size=lr_drop, gamma=0.1) stepped per epoch
lr_gamma = 0.1

# AdamW over all parameters (no parameter groups in the official code), total-norm clipping at 0.1
optim_wrapper = dict(type="OptimWrapper",
                     optimizer=dict(type="AdamW", lr=lr, weight_decay=weight_decay, betas=(0.9, 0.999)),
                     clip_grad=dict(max_norm=grad_clip))
param_scheduler = [dict(type="StepLR", step_size=lr_drop, gamma=lr_gamma, by_epoch=True)]

train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")

custom_hooks = [dict(type="TempoSafeCheckpointHook")]
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=50),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", interval=10, max_keep_ckpts=2),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
randomness = dict(seed=2018)  # official --seed default

# The official loss weights and matching costs (bam_detr/config.py defaults with --quality_loss) and post-processing;
# children give the network sizes (model.model) and test_cfg.clip_length.
model = dict(
    type="BAMDETRGrounder",
    loss=dict(set_cost_span=10, set_cost_giou=1, set_cost_class=0, span_loss_coef=10, giou_loss_coef=1,
              label_loss_coef=0, quality_loss_coef=2, boundary_loss_coef=1, lw_saliency=1.0, saliency_margin=0.2,
              eos_coef=0.1),
    test_cfg=dict(max_ts=None, nms_thd=0.3, max_before_nms=10, max_after_nms=10),
)

# Loaders of feature datasets (GroundingFeatureDataset); children give each one's dataset.
train_dataloader = dict(batch_size=32, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=True),
                        collate_fn=dict(type="grounding_collate"))
val_dataloader = dict(batch_size=32, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=False),
                      collate_fn=dict(type="grounding_collate"))
test_dataloader = val_dataloader
val_evaluator = dict(type="TempoGroundingMetric", variant="bam", dataset="hl")
test_evaluator = val_evaluator
