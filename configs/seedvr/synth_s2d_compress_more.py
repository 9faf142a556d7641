# Second continuation for issue #23, from synth_s2d_compress.py's last checkpoint: a lower peak learning rate, and
# down-scaled clips drawn twice as often (the one type the first continuation still left below its input).
#   python tools/train.py configs/seedvr/synth_s2d_compress_more.py --work-dir W \
#       --cfg-options train_dataloader.dataset.synth_dir=DATA load_from=PREVIOUS/iter_16000.pth
_base_ = ["./synth_s2d_compress.py"]
optim_wrapper = dict(optimizer=dict(lr=3e-4))
train_dataloader = dict(dataset=dict(
    kind_weights=dict(gaussian_noise=1, poisson_noise=1, blur=1, downscale=2, jpeg=2, h264=3, noise_h264=3)))
