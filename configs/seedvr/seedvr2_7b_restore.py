# SeedVR2 7B one-step restoration with the official weights (seedvr2_ema_7b.pth, ema_vae.pth, pos_emb.pt,
# neg_emb.pt; see tempo.models.seedvr.checkpoint): one Euler step, no CFG pass, no condition noise.
_base_ = ["./seedvr_7b.py", "./seedvr_vae.py"]
model = dict(
    _delete_=True, type="SeedVRRestorer", dit={{_base_.model}}, vae={{_base_.vae}}, txt_len=58, txt_in_dim=5120,
    steps=1, cfg_scale=1.0, cfg_rescale=0.0, cond_noise_scale=0.0,
)
