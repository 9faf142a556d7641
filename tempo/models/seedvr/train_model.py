"""mmengine ``BaseModel`` that trains a (small) SeedVR restorer: ``tools/train.py configs/seedvr/synth_tiny.py``.

Modes (``mode=``):

* ``"onestep"`` (the default, the practical choice on a CPU): SeedVR2-style one-step restoration trained
  end to end from scratch, VAE included. Per pair: the LQ clip is encoded, the DiT predicts v at t = T from
  pure noise and the [LQ latent | mask] condition, the endpoint x0 = x_T - v is decoded and compared with
  the HQ clip (L1). Optional terms: ``latent_weight`` pulls x0 towards the HQ clip's latent (MSE,
  stop-gradient), ``recon_weight`` also encodes + decodes the HQ clip (L1, small KL) so the VAE stays an
  autoencoder, which a later ``flow`` stage needs. Both are off in the CPU recipe: without the
  reconstruction term nothing fixes the latent scale, the latent MSE then grows and drowns the pixel loss
  (seen in a run), and a decoder pass is most of a step's cost.
  SeedVR2 itself distils a pretrained multi-step model with adversarial losses; neither a pretrained model
  nor the GPU time for a GAN exist here, so this is a plain regression of the same one-step computation.
* ``"flow"``: the rectified-flow v loss of ``SeedVRRestorer.training_loss`` (multi-step SeedVR training,
  VAE frozen; needs a trained VAE, e.g. from an ``onestep`` or ``vae`` run).
* ``"vae"``: the VAE alone (reconstruction L1 + KL).

Batches: ``inputs`` (LQ) and ``targets`` (HQ) are lists of (3, T, H, W) clips in [-1, 1] with T = 4k + 1.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from ...registry import MODELS

MODES = ("onestep", "flow", "vae")


def _pad_to(x: torch.Tensor, align: int, temporal: int) -> torch.Tensor:
    """(3, T, H, W) -> T = 1 + temporal*k, H, W multiples of ``align`` (replicated edges)."""
    pad_t = (-(x.shape[1] - 1)) % temporal
    if pad_t:
        x = torch.cat([x, x[:, -1:].expand(-1, pad_t, -1, -1)], dim=1)
    pad_h, pad_w = (-x.shape[2]) % align, (-x.shape[3]) % align
    return F.pad(x, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else x


@MODELS.register_module(name="SeedVRTrainer")
class SeedVRTrainer(BaseModel):
    def __init__(self, restorer: dict, mode: str = "onestep", pixel_weight: float = 1.0, recon_weight: float = 1.0,
                 latent_weight: float = 0.1, kl_weight: float = 1e-6, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: choose from {MODES}")
        self.restorer = MODELS.build(restorer) if isinstance(restorer, dict) else restorer
        self.mode = mode
        self.pixel_weight, self.recon_weight = pixel_weight, recon_weight
        self.latent_weight, self.kl_weight = latent_weight, kl_weight
        if mode == "flow":
            self.restorer.vae.requires_grad_(False)

    def _vae_pass(self, clip):
        """(3, T, H, W) -> (posterior sample z, mean, logvar), batch of one."""
        mean, logvar = self.restorer.vae.encode(clip[None])
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        return z, mean, logvar

    def _onestep_losses(self, lq, hq):
        r = self.restorer
        losses = {}
        if self.recon_weight > 0:  # a decoder pass costs most of a step on a CPU: skipped at weight 0
            z_hq, mean_hq, logvar_hq = self._vae_pass(hq)
            losses["loss_recon"] = self.recon_weight * F.l1_loss(r.vae.decode(z_hq)[0], hq)
            kl = 0.5 * (mean_hq.pow(2) + logvar_hq.exp() - 1 - logvar_hq).mean()
            losses["loss_kl"] = self.kl_weight * kl
        elif self.latent_weight > 0:
            with torch.no_grad():
                mean_hq = r.vae.encode(hq[None])[0]
        z_lq = r.vae.encode(lq[None])[0] if not r.sample_posterior else self._vae_pass(lq)[0]
        cond = r.condition(r.vae.to_dit_latent(z_lq[0]))
        noise = torch.randn(cond.shape[:-1] + (cond.shape[-1] - 1,))
        t = r.schedule.T
        x0 = r.schedule.from_v(r.predict_v(noise, cond, t, r.pos_emb), noise, t)[0]
        out = r.vae.decode(r.vae.from_dit_latent(x0)[None])[0]
        if r.residual:  # the decoder predicts a correction of the degraded clip (see SeedVRRestorer)
            out = out + lq
        if r.refiner is not None:
            out = r.refiner(out, lq)
        losses["loss_pixel"] = self.pixel_weight * F.l1_loss(out, hq)
        if self.latent_weight > 0:
            losses["loss_latent"] = self.latent_weight * F.mse_loss(x0, r.vae.to_dit_latent(mean_hq[0]).detach())
        return losses

    def _vae_losses(self, hq):
        z, mean, logvar = self._vae_pass(hq)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        return {"loss_recon": self.recon_weight * F.l1_loss(self.restorer.vae.decode(z)[0], hq),
                "loss_kl": self.kl_weight * kl}

    def forward(self, inputs, targets=None, mode: str = "loss"):
        r = self.restorer
        align, temporal = r.spatial_align, r.vae.temporal_factor
        if mode != "loss":  # "predict"/"tensor": restored clips in [-1, 1]
            return [r.restore_clip(((x + 1) / 2).permute(1, 2, 3, 0)).permute(3, 0, 1, 2) * 2 - 1 for x in inputs]
        totals: dict[str, torch.Tensor] = {}
        for lq, hq in zip(inputs, targets):
            lq, hq = _pad_to(lq, align, temporal), _pad_to(hq, align, temporal)
            if self.mode == "onestep":
                losses = self._onestep_losses(lq, hq)
            elif self.mode == "vae":
                losses = self._vae_losses(hq)
            else:
                losses = {"loss_flow": r.training_loss(hq, lq)}
            for k, v in losses.items():
                totals[k] = totals.get(k, 0) + v / len(inputs)
        return totals
