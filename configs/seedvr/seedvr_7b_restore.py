# SeedVR 7B restoration with the official weights (seedvr_ema_7b.pth): the official inference settings,
# 50 Euler steps, classifier-free guidance 6.5 (two DiT passes per step), condition noise 0.1.
_base_ = ["./seedvr_7b.py", "./seedvr_vae.py"]
model = dict(
    _delete_=True, type="SeedVRRestorer", dit={{_base_.model}}, vae={{_base_.vae}}, txt_len=58, txt_in_dim=5120,
    steps=50, cfg_scale=6.5, cfg_rescale=0.0, cond_noise_scale=0.1,
)
