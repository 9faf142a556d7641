# Train OPN on `tempo synth --task complete --preset small` clips (96x160 crops, 3-frame clips) on CPU.
# python tools/train.py configs/onion_peel/synth_small.py  (or mmengine Runner.from_cfg)
custom_imports = dict(imports=["tempo.models.onion_peel.train_model", "tempo.models.onion_peel.train_data"],
                      allow_failed_imports=False)
model = dict(type="OnionPeelOPNTrainer", opn=dict(thickness=8), hole_weight=6.0, grad_weight=1.0)
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(type="OnionPeelClips", synth_dir="/work/data/synth_complete", split="train",
                 clip_len=3, crop=(96, 160), length=400),
)
train_cfg = dict(type="IterBasedTrainLoop", max_iters=400)
optim_wrapper = dict(optimizer=dict(type="Adam", lr=1e-4), clip_grad=dict(max_norm=1.0))
default_hooks = dict(logger=dict(type="LoggerHook", interval=10),
                     checkpoint=dict(type="CheckpointHook", interval=200, by_epoch=False, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
