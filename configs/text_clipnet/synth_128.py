# TextClipNet at 128 px (issue #18, session 11): the shipped 64-px TextClipNet (configs/text_clipnet/synth.py)
# continued on frames at 128 px. Why: most of the grounder's misses are the right action done by another object,
# usually with only one actor in view, and that object differs mostly in shape; at 64 px a small star and a small
# circle are a few pixels. The (2+1)D body is fully convolutional and pooled globally, so every trained weight
# carries over (init_from); the exported sidecar records input_size=128, and the feature backbone resizes decoded
# videos to it.
#
#   python tools/train.py configs/text_clipnet/synth_128.py --work-dir work_dirs/text_clipnet_128
_base_ = ["./synth.py"]

# On the 2-core CPU a 64-window iteration takes 6-10 s at 128 px (4x the pixels of 64 px), so an epoch is one
# random window of every 4 (139 iterations, ~20 min) and 3 epochs fit an hour.

train_seeds = (0, 2, 3)
clip = dict(input_size=128, clip_frames=8, window_frames=16, stride=4)
model = dict(init_body=None, init_from="tempo/weights/text_clipnet_synth.safetensors", **clip)
common = dict(type="TextClipWindowDataset", bank="data/text_clip_bank.npz", cache_dir="data/text_clip_frames",
              workers=2, **clip)
train_dataloader = dict(dataset=dict(common, sources=[dict(preset="small", seed=s, split="train")
                                                      for s in train_seeds], window_step=4, training=True,
                                     positives=2, randoms=2))
val_dataloader = dict(dataset=dict(common, sources=[dict(preset="small", seed=0, split="val")], window_step=4,
                                   training=False))
test_dataloader = dict(dataset=dict(common, sources=[dict(preset="small", seed=1, split="test")], window_step=4,
                                    training=False))

max_epochs = 3
learning_rate = 5e-4
optim_wrapper = dict(optimizer=dict(lr=learning_rate))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, end_factor=1.0, by_epoch=True, begin=0, end=0.25,
         convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", eta_min=learning_rate * 1e-2, by_epoch=True, begin=0.25, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
