# Continuation of the shipped restorer (synth_s2d.py) aimed at what it does not yet do (issue #23): compressed and
# clean clips. Real footage draws its degradation type with compression weighted up, H.264 is a real x264 encode of
# the crop (not JPEG standing in), and 10 % of the items are clean (the input is the target: a clean or lightly
# degraded clip must come back unchanged; the shipped model smooths them). Same network, so it starts from the
# shipped weights:
#   python tools/train.py configs/seedvr/synth_s2d_compress.py --work-dir W \
#       --cfg-options train_dataloader.dataset.synth_dir=DATA load_from=INIT.pth
# (INIT.pth: tools/build_default_restorer.py --init-from-bundle writes it from tempo/weights/seedvr_synth.safetensors)
_base_ = ["./synth_s2d.py"]
max_iters = 16000  # ~65 min: 0.24 s per iteration on one core, the loader (x264 per item) on the other
train_cfg = dict(max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [dict(type="CosineAnnealingLR", T_max=max_iters, eta_min=1e-5, by_epoch=False)]
# one loader process: the x264 encodes (~0.2 s per batch) overlap the training step on the other core
train_dataloader = dict(num_workers=1, persistent_workers=True, dataset=dict(
    clean_fraction=0.1, exact_h264=True,
    kind_weights=dict(gaussian_noise=1, poisson_noise=1, blur=1, downscale=1, jpeg=2, h264=3, noise_h264=3)))
