# ObjectClipNet: per feature-row window (16 frames seen as 8, rows every 4 frames: TextClipNet's grid), for each
# object that ForegroundNet (configs/object_match/foreground.py) finds: its shape / colour / size / texture, whether
# it is an object at all, and the action it is doing at the row's centre. Windows drawn from the train splits of
# seeds 0 and 2-5 (seed 1, 7 and the test splits never), rendered from the scene plans and labelled exactly.
#
#   python tools/train.py configs/object_match/objects.py --work-dir work_dirs/object_clipnet
_base_ = ["./_common.py"]

# Samples made once with the trained segmenter (6 row windows per scene of seeds 0, 2-5 train; 8 of seed 0 val):
#   python -m tempo.models.object_match.cache data/object_samples_train --seeds 0 2 3 4 5 --windows 6
#   python -m tempo.models.object_match.cache data/object_samples_val --seeds 0 --split val --windows 8
train_cache = "data/object_samples_train"
val_cache = "data/object_samples_val"
model = dict(type="ObjectClipTrainer", crop=48, widths=(24, 32, 48, 64), embed=128, temporal=128)
train_dataloader = dict(
    batch_size=64, num_workers=1, persistent_workers=True, sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="object_stage_collate"),
    dataset=dict(type="ObjectSampleDataset", cache_dir=train_cache, training=True))
val_dataloader = dict(
    batch_size=128, num_workers=1, persistent_workers=True, sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="object_stage_collate"),
    dataset=dict(type="ObjectSampleDataset", cache_dir=val_cache))
test_dataloader = val_dataloader
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=2)

learning_rate = 2e-3
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=learning_rate, weight_decay=0.01),
                     clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.05, end_factor=1.0, by_epoch=False, begin=0, end=100),
    dict(type="CosineAnnealingLR", eta_min=learning_rate * 0.01, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)]
