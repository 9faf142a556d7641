# Official SeedVR / SeedVR2 3B NaDiT (ByteDance-Seed/SeedVR configs_3b/main.yaml, models/dit_v2).
# Builds a model whose state_dict keys/shapes equal the official checkpoint (seedvr{,2}_ema_3b.pth).
num_layers = 32
model = dict(
    type="NaDiT", variant="3b",
    vid_in_channels=33, vid_out_channels=16, vid_dim=2560, txt_in_dim=5120, txt_dim=2560, emb_dim=6 * 2560,
    heads=20, head_dim=128, expand_ratio=4, norm_eps=1e-5, qk_bias=False, patch_size=(1, 2, 2),
    num_layers=num_layers, mm_layers=10, mlp_type="swiglu", rope_type="mmrope3d", rope_dim=128,
    window=[(4, 3, 3)] * num_layers,
    window_method=["720pwin_by_size_bysize", "720pswin_by_size_bysize"] * (num_layers // 2),
    # window sizes are chosen at a 720p proxy (45x80 tokens) with a temporal cap of 30 latent frames
    window_reference_area=3600, window_temporal_cap=30,
)
