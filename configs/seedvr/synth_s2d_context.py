# Third continuation for issue #23: capacity where the second one showed the network had flattened on compression
# (synth_s2d_compress_more.py: +0.03 dB over 16,000 iterations). The PixelRefiner gains a half-resolution context
# stage (2x2 pixels folded into channels, 3 residual blocks of 48 channels, ~40-pixel receptive field: compression
# blocks are 8-16 pixels), zero-initialised so it starts as the previous weights; and real footage carries black
# bars or black frames 10 % of the time (tempo.models.seedvr.train_data.blacken): the previous weights nudged black
# frames off black, which cost 1.3 dB on a clip that starts with one.
#   python tools/train.py configs/seedvr/synth_s2d_context.py --work-dir W \
#       --cfg-options train_dataloader.dataset.synth_dir=DATA load_from=PREVIOUS/iter_16000.pth
_base_ = ["./synth_s2d_compress_more.py"]
restorer = dict(refiner=dict(type="PixelRefiner", channels=32, layers=3, context_channels=48, context_blocks=3))
model = dict(restorer=restorer)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
train_dataloader = dict(dataset=dict(clean_fraction=0.1, black_fraction=0.1))
