# ActionClipNet: the learned clip backbone of the synthetic detection benchmark (`tempo synth --task detect
# --preset small`, 224x224 at 15 fps). A (2+1)D CNN (~0.38 M parameters) sees each 16-frame detection window
# (every 4 frames) as 8 frames at 64x64 and learns, per class, how much of the window the action covers and
# whether it starts / ends in the window's middle half (BCE). After training, <work_dir>/final.safetensors +
# final.json is directly usable as features: {"type": "ActionClipNet", "checkpoint": ".../final.safetensors"}.
#
#   python tools/train.py configs/action_clipnet/synth.py
#
# More data = more seeds of the same generator: append their annotation files to `train_ann_files`, e.g.
#   --cfg-options "train_dataloader.dataset.ann_files=[data/synth_detect/annotations/detect.json,
#                  data/synth_detect_seed1/annotations/detect.json]"
custom_imports = dict(imports=["tempo.models.action_clipnet", "tempo.training"], allow_failed_imports=False)

data_root = "data/synth_detect"
# The shipped weights: the train splits of seeds 0 and 2-6 (tools/build_default_detector.py makes them; seed 1 is
# the held-out test seed), the same videos the default detector trains on.
train_ann_files = [data_root + "/annotations/detect.json"] + [
    f"{data_root}_seed{seed}/annotations/detect.json" for seed in (2, 3, 4, 5, 6)]
val_ann_files = [data_root + "/annotations/detect.json"]
cache_dir = "data/frames64"  # decoded 64x64 frames, <cache_dir>/<dataset folder>/<video id>.npy
class_names = ["move_left", "move_right", "move_up", "move_down", "grow", "shrink", "rotate_cw", "rotate_ccw",
               "blink", "change_colour", "bounce", "appear", "disappear"]  # tempo.data.synth.ACTION_NAMES
clip = dict(clip_frames=8, window_frames=16, stride=4, input_size=64)

model = dict(type="ActionClipNetTrainer", num_classes=len(class_names), class_names=class_names,
             widths=(24, 48, 96, 192), temporal_strides=(1, 1, 2, 2), dropout=0.3, num_frames=clip["clip_frames"],
             window_frames=clip["window_frames"], stride=clip["stride"], input_size=clip["input_size"])

# What a mirror image / playing backwards turns each action into (targets swap with the pixels).
augment = dict(hflip_pairs=[("move_left", "move_right"), ("rotate_cw", "rotate_ccw")],
               reverse_pairs=[("move_left", "move_right"), ("move_up", "move_down"), ("grow", "shrink"),
                              ("rotate_cw", "rotate_ccw"), ("appear", "disappear")],
               hflip_prob=0.5, reverse_prob=0.5, permute_colours=True, gain=(0.7, 1.3), offset=(-0.2, 0.2),
               crop_size=56)
# window_step 2: neighbouring windows overlap by 3/4; one epoch sees one random window of every pair.
dataset_common = dict(type="ActionClipWindowDataset", cache_dir=cache_dir, class_names=class_names,
                      window_step=2, **clip)
# num_workers 0: items are memory-mapped slices plus a light augmentation; raise it on a GPU machine.
train_dataloader = dict(batch_size=32, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=True),
                        collate_fn=dict(type="default_collate"),
                        dataset=dict(dataset_common, ann_files=train_ann_files, split=["training"], training=True,
                                     augment=augment))
val_dataloader = dict(batch_size=64, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=False),
                      collate_fn=dict(type="default_collate"),
                      dataset=dict(dataset_common, ann_files=val_ann_files, split=["validation"], training=False))
test_dataloader = dict(val_dataloader, dataset=dict(val_dataloader["dataset"], split=["testing"]))
val_evaluator = dict(type="ActionClipWindowMAP")
test_evaluator = val_evaluator

# One-cycle as in the prototype (torch OneCycleLR, pct_start 0.05): linear warm-up from lr/25 over the first 5 %
# of the iterations, then cosine to ~0, both stepped every iteration.
max_epochs = 12
warmup_epochs = 0.05 * max_epochs
learning_rate = 2e-3
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=learning_rate, weight_decay=0.05))
param_scheduler = [
    dict(type="LinearLR", start_factor=1 / 25, end_factor=1.0, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", eta_min=learning_rate / 25 / 1e4, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")

default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", interval=1, max_keep_ckpts=2, save_best="clipnet/active_mAP",
                    rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
# TempoSafeCheckpointHook keeps checkpoints loadable with torch.load(weights_only=True) (resume, export).
custom_hooks = [dict(type="TempoSafeCheckpointHook")]
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
randomness = dict(seed=0)
log_level = "INFO"
load_from = None
resume = False
