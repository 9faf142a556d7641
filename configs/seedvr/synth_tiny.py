# A tiny SeedVR-style restorer (3B architecture, tiny sizes) for tempo's synthetic restoration data.
# Small windows: the reference area / temporal cap are scaled down so 64-128 px training crops
# (4-8 tokens a side) still split into several windows, as 720p does for the official model.
num_layers = 4
model = dict(
    type="SeedVRRestorer",
    dit=dict(
        type="NaDiT", variant="3b", vid_in_channels=33, vid_out_channels=16, vid_dim=64, txt_in_dim=32, txt_dim=64,
        heads=2, head_dim=32, expand_ratio=4, norm_eps=1e-5, patch_size=(1, 2, 2), num_layers=num_layers,
        mm_layers=2, mlp_type="swiglu", rope_type="mmrope3d", rope_dim=32,
        window=[(2, 2, 2)] * num_layers,
        window_method=["720pwin_by_size_bysize", "720pswin_by_size_bysize"] * (num_layers // 2),
        window_reference_area=64, window_temporal_cap=4),
    vae=dict(
        type="CausalVideoVAE", latent_channels=16, block_out_channels=(16, 32, 32, 64), layers_per_block=1,
        norm_num_groups=8, temporal_scale_num=2, slicing_sample_min_size=4, scaling_factor=0.9152),
    txt_len=4, txt_in_dim=32,
    steps=1, cfg_scale=1.0, cond_noise_scale=0.0,  # SeedVR2-style one-step restoration
)
