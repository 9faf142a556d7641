# ForegroundNet: the object stage's segmenter for the synthetic grounding scenes (224x224 at 15 fps), trained on the
# renderer's exact silhouettes of frames drawn from the train splits of seeds 0 and 2 (seed 1 and the test splits
# never). Validation: foreground IoU on seed 0 val.
#
#   python tools/train.py configs/object_match/foreground.py --work-dir work_dirs/object_foreground
_base_ = ["./_common.py"]

model = dict(type="ForegroundTrainer", width=16, dilations=(1, 2, 4, 8, 1))
train_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=True, sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="object_stage_collate"),
    dataset=dict(type="ForegroundDataset", sources=[dict(seed=0, split="train"), dict(seed=2, split="train")],
                 per_scene=4, repeats=10))
val_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=True, sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="object_stage_collate"),
    dataset=dict(type="ForegroundDataset", sources=[dict(seed=0, split="val")], per_scene=4, seed=1))
test_dataloader = val_dataloader

learning_rate = 3e-3
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=learning_rate, weight_decay=1e-4))
param_scheduler = [dict(type="CosineAnnealingLR", eta_min=learning_rate * 0.01, by_epoch=True, begin=0, end=1,
                        convert_to_iter_based=True)]
