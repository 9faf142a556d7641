# A tiny SeedVR-style restorer (3B architecture, tiny sizes) for tempo's synthetic restoration data, and its
# CPU training recipe:  python tools/train.py configs/seedvr/synth_tiny.py
#   --cfg-options train_dataloader.dataset.synth_dir=/path/to/tempo-synth-restore
# `restorer` is the inference model (what `tempo restore` builds); `model` wraps it for mmengine training.
#
# Small windows: the reference area / temporal cap are scaled down so 64-128 px training crops still split
# into several windows, as 720p does for the official model. The VAE is a small causal one trained here, with
# far less compression than the official 8x spatial / 4x temporal one: 2x spatial, no temporal down-sampling,
# 16 latent channels (12 values per 2x2 pixels -> 16: nothing has to be thrown away). A CPU-trained VAE cannot
# reconstruct detail through a tight latent, and per-frame noise cannot be told apart from detail once 4
# frames share a latent (a 4x/4x version stayed at the identity in a probe). ``residual=True``: the decoder
# predicts a correction added to the degraded clip, starting from the identity (see SeedVRRestorer).
custom_imports = dict(imports=["tempo.models.seedvr", "tempo.models.seedvr.train_model", "tempo.training",
                               "tempo.models.seedvr.train_data"], allow_failed_imports=False)
num_layers = 4
restorer = dict(
    type="SeedVRRestorer",
    dit=dict(
        type="NaDiT", variant="3b", vid_in_channels=33, vid_out_channels=16, vid_dim=64, txt_in_dim=32, txt_dim=64,
        heads=2, head_dim=32, expand_ratio=4, norm_eps=1e-5, patch_size=(1, 2, 2), num_layers=num_layers,
        mm_layers=2, mlp_type="swiglu", rope_type="mmrope3d", rope_dim=32,
        window=[(2, 2, 2)] * num_layers,
        window_method=["720pwin_by_size_bysize", "720pswin_by_size_bysize"] * (num_layers // 2),
        window_reference_area=64, window_temporal_cap=4),
    vae=dict(
        type="CausalVideoVAE", latent_channels=16, block_out_channels=(8, 16), layers_per_block=1,
        norm_num_groups=4, temporal_scale_num=0, spatial_downsample_factor=2, temporal_downsample_factor=1,
        slicing_sample_min_size=4, scaling_factor=1.0),
    txt_len=4, txt_in_dim=32,
    steps=1, cfg_scale=1.0, cond_noise_scale=0.0,  # SeedVR2-style one-step restoration
    sample_posterior=False,  # the posterior mean: deterministic restorations
    residual=True,  # decode a correction of the degraded clip (tempo's small models; official: False)
)
model = dict(type="SeedVRTrainer", restorer=restorer, mode="onestep", pixel_weight=1.0, recon_weight=0.0,
             latent_weight=0.0, kl_weight=1e-6)

train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(type="SeedVRPairs", synth_dir=None, split="train", real_footage_default=True,
                 clip_len=5, crop=(64, 64), length=100000),
)
max_iters = 1200  # about what 45 min of one shared CPU core allows; the time limit below stops it earlier
train_cfg = dict(type="IterBasedTrainLoop", max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(type="AdamW", lr=2e-3, weight_decay=0.0), clip_grad=dict(max_norm=1.0))
param_scheduler = [dict(type="CosineAnnealingLR", T_max=max_iters, eta_min=1e-5, by_epoch=False)]
default_hooks = dict(logger=dict(type="LoggerHook", interval=20),
                     checkpoint=dict(type="CheckpointHook", interval=500, by_epoch=False, max_keep_ckpts=1))
# seconds=N stops training after N s (a CPU budget; the weights are still exported): --cfg-options
# custom_hooks.1.seconds=840
custom_hooks = [dict(type="TempoSafeCheckpointHook"), dict(type="TempoTimeLimitHook", seconds=None)]
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
