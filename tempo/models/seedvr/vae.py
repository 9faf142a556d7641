"""SeedVR causal video VAE (official ``video_vae_v3`` VideoAutoencoderKLWrapper): 8x spatial, 4x temporal,
16 latent channels; 1 + 4k frames <-> 1 + k latents. Images (4-D) are treated as one-frame videos.

``chunked=True`` runs the official inference slicing (first chunk 1 + split frames, then split frames at a
time; latents 1 + split/4, then split/4) with conv memory carried across chunks: bounded memory, same result.
"""
from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn

from tempo.registry import MODELS

from .vae_layers import (CausalConv3d, DownEncoderBlock3D, MidBlock3D, UpDecoderBlock3D, Upsample3D,
                         group_norm_per_frame)

LEGACY_ATTENTION_KEYS = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}


class Encoder3D(nn.Module):
    def __init__(self, in_channels, latent_channels, block_out_channels, layers_per_block, groups, temporal_scale_num):
        super().__init__()
        boc = list(block_out_channels)
        n = len(boc)
        self.conv_in = CausalConv3d(in_channels, boc[0], 3, padding=1)
        self.down_blocks = nn.ModuleList([
            DownEncoderBlock3D(boc[max(i - 1, 0)], boc[i], layers_per_block, groups, downsample=i < n - 1,
                               temporal=i < n - 1 and i >= n - temporal_scale_num - 1)
            for i in range(n)])
        self.mid_block = MidBlock3D(boc[-1], groups)
        self.conv_norm_out = nn.GroupNorm(groups, boc[-1], eps=1e-6)
        self.conv_out = CausalConv3d(boc[-1], 2 * latent_channels, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for block in self.down_blocks:
            x = block(x)
        x = self.mid_block(x)
        return self.conv_out(torch.nn.functional.silu(group_norm_per_frame(self.conv_norm_out, x)))


class Decoder3D(nn.Module):
    def __init__(self, latent_channels, out_channels, block_out_channels, layers_per_block, groups, temporal_scale_num):
        super().__init__()
        rev = list(reversed(block_out_channels))
        n = len(rev)
        self.conv_in = CausalConv3d(latent_channels, rev[0], 3, padding=1)
        self.up_blocks = nn.ModuleList([
            UpDecoderBlock3D(rev[max(i - 1, 0)], rev[i], layers_per_block + 1, groups, upsample=i < n - 1,
                             temporal=i < temporal_scale_num)
            for i in range(n)])
        self.mid_block = MidBlock3D(rev[0], groups)
        self.conv_norm_out = nn.GroupNorm(groups, rev[-1], eps=1e-6)
        self.conv_out = CausalConv3d(rev[-1], out_channels, 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            x = block(x)
        return self.conv_out(torch.nn.functional.silu(group_norm_per_frame(self.conv_norm_out, x)))


@MODELS.register_module()
class CausalVideoVAE(nn.Module):
    def __init__(self, in_channels=3, out_channels=3, latent_channels=16, block_out_channels=(128, 256, 512, 512),
                 layers_per_block=2, norm_num_groups=32, temporal_scale_num=2, spatial_downsample_factor=8,
                 temporal_downsample_factor=4, slicing_sample_min_size=4, scaling_factor=0.9152,
                 shifting_factor=0.0, **official_switches):
        super().__init__()
        self.spatial_factor, self.temporal_factor = spatial_downsample_factor, temporal_downsample_factor
        self.split_size = slicing_sample_min_size
        self.scaling_factor, self.shifting_factor = scaling_factor, shifting_factor
        self.encoder = Encoder3D(in_channels, latent_channels, block_out_channels, layers_per_block,
                                 norm_num_groups, temporal_scale_num)
        self.decoder = Decoder3D(latent_channels, out_channels, block_out_channels, layers_per_block,
                                 norm_num_groups, temporal_scale_num)

    # -- chunking ---------------------------------------------------------------------------------
    @contextmanager
    def _streaming(self, module: nn.Module):
        convs = [m for m in module.modules() if isinstance(m, CausalConv3d)]
        ups = [m for m in module.modules() if isinstance(m, Upsample3D)]
        for m in convs:
            m.streaming, m.memory = True, None
        try:
            yield ups
        finally:
            for m in convs:
                m.streaming, m.memory = False, None
            for m in ups:
                m.first_chunk = True

    def _run_chunked(self, module, x, first, step):
        outs = []
        with self._streaming(module) as ups:
            for start in [0, *range(first, x.shape[2], step)]:
                stop = first if start == 0 else start + step
                outs.append(module(x[:, :, start:stop]))
                for m in ups:
                    m.first_chunk = False
        return torch.cat(outs, dim=2)

    # -- public API -------------------------------------------------------------------------------
    def encode_moments(self, x: torch.Tensor, chunked: bool = False) -> torch.Tensor:
        """x (B, 3, 1+4k, H, W) or an image (B, 3, H, W) -> raw moments (B, 2*latent, 1+k, H/8, W/8)."""
        x = x[:, :, None] if x.dim() == 4 else x
        if chunked and x.shape[2] > 1 + self.split_size:
            return self._run_chunked(self.encoder, x, 1 + self.split_size, self.split_size)
        return self.encoder(x)

    def encode(self, x, chunked: bool = False):
        """Returns (mean, logvar) of the diagonal Gaussian posterior; logvar clamped to [-30, 20]."""
        mean, logvar = self.encode_moments(x, chunked).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def decode(self, z: torch.Tensor, chunked: bool = False, image: bool = False) -> torch.Tensor:
        """z (B, latent, T', h, w) -> (B, 3, 1 + 4(T'-1), 8h, 8w); ``image`` squeezes T=1 away."""
        latent_split = max(self.split_size // self.temporal_factor, 1)
        if chunked and z.shape[2] > 1 + latent_split:
            x = self._run_chunked(self.decoder, z, 1 + latent_split, latent_split)
        else:
            x = self.decoder(z)
        return x[:, :, 0] if image else x

    # pipeline glue: the DiT works on (T, H, W, C) latents scaled by ``scaling_factor``
    def to_dit_latent(self, z: torch.Tensor) -> torch.Tensor:
        return (z - self.shifting_factor).permute(1, 2, 3, 0) * self.scaling_factor  # (C,T,H,W) -> (T,H,W,C)

    def from_dit_latent(self, latent: torch.Tensor) -> torch.Tensor:
        return (latent / self.scaling_factor).permute(3, 0, 1, 2) + self.shifting_factor


def rename_legacy_keys(state_dict: dict) -> dict:
    """Older official checkpoints name the mid-block attention query/key/value/proj_attn."""
    out = {}
    for key, value in state_dict.items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[-2] in LEGACY_ATTENTION_KEYS and "attentions" in parts:
            key = ".".join(parts[:-2] + [LEGACY_ATTENTION_KEYS[parts[-2]], parts[-1]])
        out[key] = value
    return out
