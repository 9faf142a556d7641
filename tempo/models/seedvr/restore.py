"""Video restoration with SeedVR / SeedVR2: VAE-encode the degraded clip, sample the clean latent with
the NaDiT conditioned on it, decode. Long videos stream in overlapping temporal chunks, large frames in
overlapping spatial tiles, so memory is bounded by (chunk, tile), not by the video.

Per clip, as the official inference does: frames in [-1, 1], padded to multiples of 16 pixels and to
4k + 1 frames (repeating the last frame); the DiT latent is the posterior sample times the VAE scaling
factor; condition = [LQ latent noised at the shifted condition timestep | ones]; outputs trimmed back.
"""
from __future__ import annotations

from collections import deque
from typing import Iterable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tempo.models.common.precision import autocast
from tempo.registry import MODELS

from .sampler import (LerpSchedule, condition_timestep, euler_sample, guided, sr_condition,
                      uniform_trailing_timesteps)
from .tiling import run_chunked, run_tiled

SPATIAL_ALIGN = 16  # the official 8x VAE times the (1, 2, 2) patch; see SeedVRRestorer.spatial_align


@MODELS.register_module()
class SeedVRRestorer(nn.Module):
    """Holds the DiT, the VAE and the positive/negative text embeddings ((L, txt_in_dim) each; the
    official ones are files shipped with the official repository; tempo's own models learn them)."""

    def __init__(self, dit: dict | nn.Module, vae: dict | nn.Module, txt_len: int = 8, txt_in_dim: int | None = None,
                 steps: int = 1, cfg_scale: float = 1.0, cfg_rescale: float = 0.0, cond_noise_scale: float = 0.0,
                 sample_posterior: bool = True, seed: int = 0, residual: bool = False, refiner: dict | None = None):
        super().__init__()
        self.dit = MODELS.build(dit) if isinstance(dit, dict) else dit
        self.vae = MODELS.build(vae) if isinstance(vae, dict) else vae
        # refiner: a full-resolution head reading (restored, degraded) frames (PixelRefiner; tempo's small
        # models only). None keeps the module out of the state dict, so older checkpoints load unchanged.
        self.refiner = MODELS.build(refiner) if isinstance(refiner, dict) else refiner
        txt_in_dim = txt_in_dim or self.dit.txt_in.in_features
        self.pos_emb = nn.Parameter(torch.zeros(txt_len, txt_in_dim))
        self.neg_emb = nn.Parameter(torch.zeros(txt_len, txt_in_dim))
        self.steps, self.cfg_scale, self.cfg_rescale = steps, cfg_scale, cfg_rescale
        self.cond_noise_scale, self.sample_posterior, self.seed = cond_noise_scale, sample_posterior, seed
        self.schedule = LerpSchedule()
        self.dtype = torch.float32  # the networks' precision: to_runtime
        # residual=True (tempo's small models, not the official ones): the decoded clip is a correction added
        # to the degraded input (global residual learning, as DnCNN-style restorers do). A VAE trained here
        # for CPU-minutes cannot reproduce fine detail through its latent; a correction need not, and with the
        # decoder's last conv zeroed the untrained model starts as the identity instead of as noise.
        self.residual = residual
        if residual:
            nn.init.zeros_(self.vae.decoder.conv_out.weight)
            nn.init.zeros_(self.vae.decoder.conv_out.bias)

    @property
    def spatial_align(self) -> int:
        """Frame sizes must be multiples of the VAE's spatial factor times the DiT patch (16 officially)."""
        return int(self.vae.spatial_factor) * int(self.dit.patch_size[1])

    def set_text_embeddings(self, pos: torch.Tensor, neg: torch.Tensor) -> None:
        """Use fixed embeddings, e.g. the official pos_emb.pt / neg_emb.pt (bf16 in the repository)."""
        self.pos_emb = nn.Parameter(pos.float(), requires_grad=False)
        self.neg_emb = nn.Parameter(neg.float(), requires_grad=False)

    def to_runtime(self, device="cpu", dtype: torch.dtype = torch.float32) -> "SeedVRRestorer":
        """Run on ``device`` at ``dtype`` the way the official inference does: the VAE's weights (and its inputs)
        cast to ``dtype``, the DiT's weights kept as loaded (float32) and run under ``torch.autocast(dtype)``.
        The latents, noise and Euler arithmetic stay float32 (the official keeps the VAE's bfloat16 latents; the
        sampler's few element-wise ops cost nothing either way and float32 keeps them exact)."""
        self.to(device)
        self.vae.to(dtype)
        self.dtype = dtype
        return self

    @property
    def device(self) -> torch.device:
        return self.pos_emb.device

    @staticmethod
    def _randn(shape, generator, like: torch.Tensor) -> torch.Tensor:
        """Normal draws from the CPU ``generator``, then moved to ``like``'s device: one seed gives the same noise
        on every device (a CUDA generator would draw other numbers than the CPU one)."""
        return torch.randn(shape, generator=generator, dtype=like.dtype).to(like.device)

    # -- latents ------------------------------------------------------------------------------------
    def encode_latent(self, clip: torch.Tensor, generator=None) -> torch.Tensor:
        """(3, T, H, W) in [-1, 1], T = 4k+1, H, W multiples of 16 -> DiT latent (T', h, w, 16)."""
        vae_dtype = self.vae.decoder.conv_out.weight.dtype  # to_runtime's precision (official: VAE inputs cast too)
        mean, logvar = (m.to(clip.dtype) for m in self.vae.encode(clip[None].to(vae_dtype), chunked=True))
        z = mean
        if self.sample_posterior:
            z = mean + torch.exp(0.5 * logvar) * self._randn(mean.shape, generator, mean)
        return self.vae.to_dit_latent(z[0])

    def decode_latent(self, latent: torch.Tensor) -> torch.Tensor:
        vae_dtype = self.vae.decoder.conv_out.weight.dtype
        z = self.vae.from_dit_latent(latent).to(vae_dtype)
        return self.vae.decode(z[None], chunked=True)[0].to(latent.dtype)

    def predict_v(self, x_t: torch.Tensor, cond: torch.Tensor, t, text: torch.Tensor) -> torch.Tensor:
        shape = x_t.shape
        vid = torch.cat([x_t, cond], dim=-1).reshape(-1, shape[-1] + cond.shape[-1])
        t = torch.as_tensor(t, dtype=torch.float32, device=x_t.device).reshape(1)
        with autocast(x_t.device, self.dtype):
            out = self.dit(vid, text, torch.tensor([shape[:3]]), torch.tensor([[text.shape[0]]]), t)
        return out.view(shape).to(x_t.dtype)  # the sampler stays in the latents' precision (float32)

    def condition(self, lq_latent: torch.Tensor, generator=None) -> torch.Tensor:
        cond_t = condition_timestep(self.cond_noise_scale, lq_latent.shape)
        noise = self._randn(lq_latent.shape, generator, lq_latent)
        return sr_condition(lq_latent, noise, cond_t, self.schedule)

    # -- one clip -----------------------------------------------------------------------------------
    @torch.no_grad()
    def restore_clip(self, clip: torch.Tensor) -> torch.Tensor:
        """(T, H, W, 3) float in [0, 1] -> restored (T, H, W, 3) in [0, 1] on the CPU; any T, H, W. Runs on the
        restorer's device (``to_runtime``); the random draws come from a CPU generator (``_randn``)."""
        t, h, w, _ = clip.shape
        generator = torch.Generator().manual_seed(self.seed)
        x = clip.to(self.device).permute(3, 0, 1, 2) * 2 - 1  # (3, T, H, W) in [-1, 1]
        pad_t = (-(t - 1)) % self.vae.temporal_factor
        if pad_t:
            x = torch.cat([x, x[:, -1:].expand(-1, pad_t, -1, -1)], dim=1)
        pad_h, pad_w = (-h) % self.spatial_align, (-w) % self.spatial_align
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        lq = self.encode_latent(x, generator)
        cond = self.condition(lq, generator)
        noise = self._randn(lq.shape, generator, lq)

        def model(x_t, step_t, _i):
            return guided(lambda: self.predict_v(x_t, cond, step_t, self.pos_emb),
                          lambda: self.predict_v(x_t, cond, step_t, self.neg_emb), self.cfg_scale, self.cfg_rescale)

        timesteps = uniform_trailing_timesteps(self.steps).to(noise.device)  # CPU arange: the same on every device
        latent = euler_sample(noise, model, timesteps, self.schedule)
        out = self.decode_latent(latent)
        out = out + x if self.residual else out
        if self.refiner is not None:
            out = self.refiner(out, x)
        out = out[:, :t, :h, :w]
        return ((out.clamp(-1, 1) + 1) / 2).permute(1, 2, 3, 0).cpu()

    # -- whole videos -------------------------------------------------------------------------------
    def restore_frames(self, frames: Iterable[np.ndarray], chunk: int = 21, overlap: int = 4,
                       tile: int | None = None, tile_overlap: int = 32) -> Iterator[np.ndarray]:
        """Stream uint8 (H, W, 3) frames to restored uint8 frames with bounded memory. A frame of one single value
        (a fade's black frame, a blank title card) comes back as it was: none of the degradations restored here turns
        a picture with detail into a flat one, so its clean frame is itself, and a network's small correction there
        is all error (a per-frame PSNR average counts that frame at its 100-dB cap)."""
        flat: deque = deque()  # per input frame, in order: the frame itself if it is flat, else None

        def as_float():
            for f in frames:
                f = np.asarray(f)
                flat.append(f.copy() if f.min() == f.max() else None)
                yield torch.from_numpy(f).float() / 255.0

        def fn(clip):
            return run_tiled(self.restore_clip, clip, tile, tile_overlap)

        for frame in run_chunked(fn, as_float(), chunk, overlap):  # one output per input, in order
            kept = flat.popleft()
            yield kept if kept is not None else (frame * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()

    # -- training -----------------------------------------------------------------------------------
    def training_loss(self, hq: torch.Tensor, lq: torch.Tensor, generator=None) -> torch.Tensor:
        """Rectified-flow v loss for one pair of clips (3, 4k+1, H, W) in [-1, 1] (H, W multiples of 16),
        timesteps logit-normal as in the official training config; the VAE stays frozen."""
        with torch.no_grad():
            x0 = self.encode_latent(hq, generator)
            cond = self.condition(self.encode_latent(lq, generator), generator)
        xT = torch.randn(x0.shape, generator=generator)
        t = torch.sigmoid(torch.randn(1, generator=generator)) * self.schedule.T
        x_t = self.schedule.forward(x0, xT, t)
        v = self.predict_v(x_t, cond, t, self.pos_emb)
        return F.mse_loss(v, self.schedule.to_v(x0, xT))
