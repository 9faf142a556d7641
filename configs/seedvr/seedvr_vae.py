# Official SeedVR causal video VAE (models/video_vae_v3/s8_c16_t4_inflation_sd3.yaml; ema_vae.pth).
vae = dict(
    type="CausalVideoVAE", in_channels=3, out_channels=3, latent_channels=16,
    block_out_channels=(128, 256, 512, 512), layers_per_block=2, norm_num_groups=32, temporal_scale_num=2,
    spatial_downsample_factor=8, temporal_downsample_factor=4, slicing_sample_min_size=4,
    scaling_factor=0.9152, shifting_factor=0.0,
)
