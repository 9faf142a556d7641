# TextClipNet on one GPU for a few minutes: more seeds, 96 px, a wider body trained from scratch, big batches, bf16,
# frames rendered by 16 processes. Prepared and run end to end on CPU at tiny sizes; not yet run on a GPU. The
# schedule is fitted to the wall clock with tools/train.py --time-budget:
#
#   python tools/train.py configs/text_clipnet/synth_gpu.py --time-budget 300
_base_ = ["./synth.py"]

train_seeds = (0, 2, 3, 4, 5, 6)
clip = dict(input_size=96, clip_frames=8, window_frames=16, stride=4)
model = dict(widths=(32, 64, 128, 256), init_body=None, **clip)
common = dict(workers=16, **clip)
train_dataloader = dict(
    batch_size=512, num_workers=12, pin_memory=True,
    dataset=dict(common, sources=[dict(preset="small", seed=s, split="train") for s in train_seeds]))
val_dataloader = dict(batch_size=512, num_workers=4, dataset=dict(common))
test_dataloader = dict(batch_size=512, num_workers=4, dataset=dict(common))

learning_rate = 3e-3
optim_wrapper = dict(type="AmpOptimWrapper", dtype="bfloat16",
                     optimizer=dict(type="AdamW", lr=learning_rate, weight_decay=0.05))
default_hooks = dict(logger=dict(type="LoggerHook", interval=20))
