# TextClipNet with a motion zoom view (issue #18): the shipped TextClipNet (configs/text_clipnet/synth.py) continued
# with a second view of each window, cropped around where its pixels change (tempo.features.motion_zoom) from frames
# kept at 128 px, so the acting object is seen at up to twice the pixels of the whole 64-px view. Why: most of the
# grounder's misses pick the right action done by the wrong object, and mostly while no other object acts: the
# object's shape/colour was not recognised at 64 px, not a binding of two actors. The projection reads both pooled
# views and the zoom's scale (starting as the shipped network: zero weights on the new inputs).
#
#   python tools/train.py configs/text_clipnet/synth_zoom.py --work-dir work_dirs/text_clipnet_zoom
_base_ = ["./synth.py"]

train_seeds = (0, 2, 3, 4, 5)
source_size = 128
model = dict(init_body=None, init_from="tempo/weights/text_clipnet_synth.safetensors", zoom=True,
             source_size=source_size)
train_dataloader = dict(dataset=dict(sources=[dict(preset="small", seed=s, split="train") for s in train_seeds],
                                     source_size=source_size))
val_dataloader = dict(dataset=dict(source_size=source_size))
test_dataloader = dict(dataset=dict(source_size=source_size))

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
