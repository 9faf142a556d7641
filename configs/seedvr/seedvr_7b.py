# Official SeedVR / SeedVR2 7B NaDiT (ByteDance-Seed/SeedVR configs_7b/main.yaml, models/dit).
# Builds a model whose state_dict keys/shapes equal the official checkpoint (seedvr{,2}_ema_7b.pth).
num_layers = 36
model = dict(
    type="NaDiT", variant="7b",
    vid_in_channels=33, vid_out_channels=16, vid_dim=3072, txt_in_dim=5120, txt_dim=3072, emb_dim=6 * 3072,
    heads=24, head_dim=128, expand_ratio=4, norm_eps=1e-5, qk_bias=False, patch_size=(1, 2, 2),
    num_layers=num_layers, shared_qkv=False, shared_mlp=False, mlp_type="normal",
    window=[(4, 3, 3)] * num_layers,
    window_method=["720pwin_by_size_bysize", "720pswin_by_size_bysize"] * (num_layers // 2),
    window_reference_area=3600, window_temporal_cap=30,
)
