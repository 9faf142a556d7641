# TextClipNet: tempo's text-aligned clip encoder for the synthetic grounding benchmark (`tempo synth --task ground
# --preset small`, 224x224 at 15 fps). A (2+1)D CNN sees each 16-frame window (rows every 4 frames = 0.27 s) as 8
# frames at 64x64 (the windows and body of ActionClipNet, whose trained body it starts from); its embedding is
# trained to score how well a caption (a frozen MiniLM sentence embedding through
# a small MLP) describes the window: sigmoid loss over every (window, caption) pair of a batch, with negatives that
# force binding (the same object doing another action, the same action by an object with one attribute changed).
# Frames are rendered from the scene plans (no decoder needed), the captions' embeddings come from a bank made once:
#
#   python -m tempo.models.text_clipnet.bank data/text_clip_bank.npz          # ~4 min, 2 CPU cores
#   python tools/train.py configs/text_clipnet/synth.py
#
# Seed 1 (and the test splits) are never trained on.
custom_imports = dict(imports=["tempo.models.text_clipnet", "tempo.training"], allow_failed_imports=False)

bank = "data/text_clip_bank.npz"
cache_dir = "data/text_clip_frames"
train_seeds = (0, 2, 3)
clip = dict(input_size=64, clip_frames=8, window_frames=16, stride=4)

# The body starts from the bundled ActionClipNet (same layout, trained on the detect task of the same train splits).
model = dict(type="TextClipNetTrainer", widths=(24, 48, 96, 192), temporal_strides=(1, 1, 2, 2), embed_dim=256,
             text_dim=384, text_hidden=512, action_weight=0.5, fps=15.0, text_encoder="MiniLM",
             init_body="tempo/weights/action_clipnet_synth.safetensors", **clip)

common = dict(type="TextClipWindowDataset", bank=bank, cache_dir=cache_dir, workers=2, **clip)
# num_workers 1: on 2 cores one process prepares batches while the other trains
train_dataloader = dict(
    batch_size=64, num_workers=1, persistent_workers=True, sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="text_clip_collate"),
    dataset=dict(common, sources=[dict(preset="small", seed=s, split="train") for s in train_seeds],
                 window_step=2, training=True, positives=2, randoms=2))
val_dataloader = dict(
    batch_size=128, num_workers=1, persistent_workers=True, sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="text_clip_collate"),
    dataset=dict(common, sources=[dict(preset="small", seed=0, split="val")], window_step=4, training=False))
test_dataloader = dict(val_dataloader, dataset=dict(val_dataloader["dataset"],
                                                    sources=[dict(preset="small", seed=1, split="test")]))
val_evaluator = dict(type="CaptionMatchAP")
test_evaluator = val_evaluator

max_epochs = 12
learning_rate = 1e-3
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=learning_rate, weight_decay=0.05),
                     clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.04, end_factor=1.0, by_epoch=True, begin=0, end=0.5,
         convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", eta_min=learning_rate * 1e-3, by_epoch=True, begin=0.5, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")

default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=50),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", interval=1, max_keep_ckpts=2, save_best="textclip/binding_AP",
                    rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
custom_hooks = [dict(type="TempoSafeCheckpointHook")]
env_cfg = dict(cudnn_benchmark=True, dist_cfg=dict(backend="nccl"))
randomness = dict(seed=0)
log_level = "INFO"
load_from = None
resume = False
