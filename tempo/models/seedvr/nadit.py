"""SeedVR NaDiT (native-resolution diffusion transformer) for the official 3B (``dit_v2``) and 7B (``dit``).

Samples are packed NaViT-style: ``vid`` (sum of T*H*W, C) rows per sample, latent (T, H, W) in ``vid_shape``,
text rows likewise with ``txt_shape``. State-dict keys equal the official ones, so official checkpoints load
strictly. Video and text streams run the same block recipe (RMSNorm, ada-single modulation, window
attention with the text appended to every window, gated residual, MLP).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from tempo.registry import MODELS

from .layers import (AdaSingleParams, GeluMLP, PatchIn, PatchOut, RMSNorm, Streams, SwiGLU, TimeEmbedding, ada_view,
                     gate_out, modulate_in, rms_norm)
from .rope import WindowRoPE
from .window_attention import window_attention
from .windows import OFFICIAL_REFERENCE_AREA, OFFICIAL_TEMPORAL_CAP, REGULAR, SHIFTED, partition_for_method


class WindowMMAttention(nn.Module):
    def __init__(self, vid_dim, txt_dim, heads, head_dim, eps, qk_bias, shared_qkv, shared_norm, rope: WindowRoPE,
                 window, window_method, reference_area, temporal_cap, packed_text_quirk=False):
        super().__init__()
        self.packed_text_quirk = packed_text_quirk
        inner = heads * head_dim
        self.heads, self.head_dim = heads, head_dim
        self.window, self.window_method = tuple(window), window_method
        self.reference_area, self.temporal_cap = reference_area, temporal_cap
        self.proj_qkv = Streams(lambda d: nn.Linear(d, 3 * inner, bias=qk_bias), vid_dim, txt_dim, shared_qkv)
        self.proj_out = Streams(lambda d: nn.Linear(inner, d), vid_dim, txt_dim, shared_qkv)
        self.norm_q = Streams(lambda d: RMSNorm(head_dim, eps), vid_dim, txt_dim, shared_norm)
        self.norm_k = Streams(lambda d: RMSNorm(head_dim, eps), vid_dim, txt_dim, shared_norm)
        self.rope = rope

    def _qkv(self, x, stream):
        qkv = self.proj_qkv.module(stream)(x).view(x.shape[0], 3, self.heads, self.head_dim)
        return self.norm_q.module(stream)(qkv[:, 0]), self.norm_k.module(stream)(qkv[:, 1]), qkv[:, 2]

    def _packed_text_quirk(self, qt, kt, txt_lens, windows):
        """Bug-compatible text q/k of the official 3B with several samples packed: sample b reads rows
        [S_b, S_b + L_b) of the concatenation over samples of (windows-count copies of their rotated text)."""
        rows_q, rows_k, t0 = [], [], 0
        for n_txt, wins in zip(txt_lens, windows):
            angles = self.rope.text_angles(n_txt, qt.device)
            q, k = WindowRoPE.rotate(qt[t0:t0 + n_txt], angles), WindowRoPE.rotate(kt[t0:t0 + n_txt], angles)
            rows_q.append(q.repeat(len(wins), 1, 1))
            rows_k.append(k.repeat(len(wins), 1, 1))
            t0 += n_txt
        return torch.cat(rows_q), torch.cat(rows_k)

    def windows(self, grid_thw):
        return partition_for_method(self.window_method, grid_thw, self.window, self.reference_area,
                                    self.temporal_cap)

    def forward(self, vid, txt, grids: Sequence[Sequence[int]], txt_lens: Sequence[int]):
        qv, kv, vv = self._qkv(vid, "vid")
        qt, kt, vt = self._qkv(txt, "txt")
        windows = [self.windows(grid) for grid in grids]
        quirk_qk = self._packed_text_quirk(qt, kt, txt_lens, windows) if self.packed_text_quirk else None
        vid_out, txt_out = [], []
        v0 = t0 = 0
        for b, (grid, n_txt) in enumerate(zip(grids, txt_lens)):
            n_vid = int(grid[0]) * int(grid[1]) * int(grid[2])
            sv, st = slice(v0, v0 + n_vid), slice(t0, t0 + n_txt)
            ov, ot = window_attention(qv[sv], kv[sv], vv[sv], qt[st], kt[st], vt[st], grid, windows[b], self.rope,
                                      None if quirk_qk is None else (quirk_qk[0][st], quirk_qk[1][st]))
            vid_out.append(ov)
            txt_out.append(ot)
            v0, t0 = v0 + n_vid, t0 + n_txt
        vid_out = torch.cat(vid_out).flatten(1)
        txt_out = torch.cat(txt_out).flatten(1)
        return self.proj_out.module("vid")(vid_out), self.proj_out.module("txt")(txt_out)


class NaDiTBlock(nn.Module):
    def __init__(self, *, vid_dim, txt_dim, heads, head_dim, expand_ratio, eps, qk_bias, mlp_type, shared_qkv,
                 shared_norm, shared_mlp, vid_only_tail, rope, window, window_method, reference_area, temporal_cap,
                 packed_text_quirk=False):
        super().__init__()
        self.eps = eps
        self.vid_only_tail = vid_only_tail
        self.attn = WindowMMAttention(vid_dim, txt_dim, heads, head_dim, eps, qk_bias, shared_qkv, shared_norm, rope,
                                      window, window_method, reference_area, temporal_cap, packed_text_quirk)
        mlp_cls = SwiGLU if mlp_type == "swiglu" else GeluMLP
        self.mlp = Streams(lambda d: mlp_cls(d, expand_ratio), vid_dim, txt_dim, shared_mlp, vid_only_tail)
        self.ada = Streams(AdaSingleParams, vid_dim, txt_dim, shared_mlp, vid_only_tail)

    def forward(self, vid, txt, vid_emb, txt_emb, grids, txt_lens):
        ada_v, ada_t = self.ada.module("vid"), None if self.vid_only_tail else self.ada.module("txt")
        hv = modulate_in(rms_norm(vid, self.eps), vid_emb, ada_v, 0)
        ht = rms_norm(txt, self.eps)
        if ada_t is not None:
            ht = modulate_in(ht, txt_emb, ada_t, 0)
        av, at = self.attn(hv, ht, grids, txt_lens)
        vid = vid + gate_out(av, vid_emb, ada_v, 0)
        hv = modulate_in(rms_norm(vid, self.eps), vid_emb, ada_v, 1)
        vid = vid + gate_out(self.mlp.module("vid")(hv), vid_emb, ada_v, 1)
        if ada_t is None:
            # Official 3B last block: text is neither modulated nor gated and has no MLP; the official
            # module's text output (discarded by the model) is 2 * (text + attention).
            return vid, 2 * (txt + at)
        txt = txt + gate_out(at, txt_emb, ada_t, 0)
        ht = modulate_in(rms_norm(txt, self.eps), txt_emb, ada_t, 1)
        txt = txt + gate_out(self.mlp.module("txt")(ht), txt_emb, ada_t, 1)
        return vid, txt


class OutputAda(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.out_shift = nn.Parameter(torch.zeros(dim))
        self.out_scale = nn.Parameter(torch.ones(dim))


_SUPPORTED_SWITCHES = {  # official constructor options and the only values implemented here
    "ada": {"single"}, "norm": {"fusedrms", "rms"}, "qk_norm": {"fusedrms", "rms"}, "vid_out_norm": {"fusedrms", "rms"},
    "block_type": {"mmdit_sr"}, "qk_rope": {True, None}, "txt_in_norm": None, "msa_type": None,
}


def _check_official_switches(switches: dict) -> None:
    for key, value in switches.items():
        if key not in _SUPPORTED_SWITCHES:
            raise TypeError(f"unexpected NaDiT argument {key!r}")
        allowed = _SUPPORTED_SWITCHES[key]
        values = value if isinstance(value, (list, tuple)) else [value]
        if allowed is not None and any(v not in allowed for v in values):
            raise ValueError(f"NaDiT {key}={value!r} is not supported (supported: {sorted(map(str, allowed))})")


@MODELS.register_module()
class NaDiT(nn.Module):
    """``variant="3b"`` (dit_v2: MM layers then shared layers, SwiGLU, output norm + modulation, "mmrope3d")
    or ``"7b"`` (dit: all MM, GELU MLP, "pixel" RoPE, no output norm). Keyword names follow the official
    constructor; official-only switches that do not change the computation are accepted and ignored.
    ``packed_text_quirk=True`` reproduces the official 3B text indexing with several packed samples
    (README of the parity fixtures); the default computes every sample as if run alone."""

    def __init__(self, vid_in_channels=33, vid_out_channels=16, vid_dim=2560, txt_in_dim=5120, txt_dim=None,
                 emb_dim=None, heads=20, head_dim=128, expand_ratio=4, norm_eps=1e-5, qk_bias=False,
                 patch_size=(1, 2, 2), num_layers=32, mm_layers=None, mlp_type="swiglu", window=None,
                 window_method=None, rope_type=None, rope_dim=None, shared_qkv=False, shared_mlp=False,
                 variant=None, window_reference_area=OFFICIAL_REFERENCE_AREA,
                 window_temporal_cap=OFFICIAL_TEMPORAL_CAP, packed_text_quirk=False, **official_switches):
        super().__init__()
        _check_official_switches(official_switches)
        # The official 3B config names rope_type="mmrope3d" and mm_layers; the 7B has neither.
        self.variant = variant or ("3b" if rope_type == "mmrope3d" or mm_layers is not None else "7b")
        txt_dim = txt_dim or vid_dim
        if txt_dim != vid_dim:
            raise ValueError("the ada-single layout needs txt_dim == vid_dim")
        if emb_dim is not None and emb_dim != 6 * vid_dim:
            raise ValueError("ada-single needs emb_dim == 6 * vid_dim")
        self.vid_dim, self.patch_size = vid_dim, tuple(patch_size)
        window = window or [(4, 3, 3)] * num_layers
        window_method = window_method or [REGULAR if i % 2 == 0 else SHIFTED for i in range(num_layers)]
        is_3b = self.variant == "3b"
        mm_layers = num_layers if mm_layers is None or not is_3b else mm_layers

        self.vid_in = PatchIn(vid_in_channels, vid_dim, patch_size)
        self.txt_in = nn.Linear(txt_in_dim, txt_dim) if txt_in_dim != txt_dim else nn.Identity()
        self.emb_in = TimeEmbedding(max(vid_dim, txt_dim), 6 * vid_dim)
        blocks = []
        for i in range(num_layers):
            shared = i >= mm_layers
            rope = WindowRoPE("mmrope3d", head_dim, rope_dim) if is_3b else WindowRoPE("pixel", head_dim)
            blocks.append(NaDiTBlock(
                vid_dim=vid_dim, txt_dim=txt_dim, heads=heads, head_dim=head_dim, expand_ratio=expand_ratio,
                eps=norm_eps, qk_bias=qk_bias, mlp_type=mlp_type,
                shared_qkv=shared if is_3b else shared_qkv, shared_norm=shared if is_3b else False,
                shared_mlp=shared if is_3b else shared_mlp, vid_only_tail=is_3b and i == num_layers - 1,
                rope=rope, window=window[i], window_method=window_method[i],
                reference_area=window_reference_area, temporal_cap=window_temporal_cap,
                packed_text_quirk=packed_text_quirk and is_3b))
        self.blocks = nn.ModuleList(blocks)
        if is_3b:
            self.vid_out_norm = RMSNorm(vid_dim, norm_eps)
            self.vid_out_ada = OutputAda(vid_dim)
        self.vid_out = PatchOut(vid_dim, vid_out_channels, patch_size)

    def forward(self, vid, txt, vid_shape, txt_shape, timestep):
        """Returns the packed prediction (rows like ``vid``, ``vid_out_channels`` columns)."""
        shapes = [tuple(int(v) for v in s) for s in vid_shape.tolist()]
        txt_lens = [int(s[0]) for s in txt_shape.tolist()]
        timestep = torch.as_tensor(timestep, dtype=torch.float32, device=vid.device).reshape(-1)
        timestep = timestep.expand(len(shapes)) if timestep.numel() == 1 else timestep
        txt = self.txt_in(txt)
        patched = [self.vid_in(x.view(*s, -1)) for x, s in zip(vid.split([t * h * w for t, h, w in shapes]), shapes)]
        grids = [tuple(p.shape[:3]) for p in patched]
        vid = torch.cat([p.reshape(-1, p.shape[-1]) for p in patched])
        emb = ada_view(self.emb_in(timestep), self.vid_dim)
        if len(grids) == 1:  # one sample (official inference): broadcast its row instead of copying per token
            vid_emb = txt_emb = emb
        else:
            vid_emb = emb.repeat_interleave(torch.tensor([t * h * w for t, h, w in grids], device=vid.device), 0)
            txt_emb = emb.repeat_interleave(torch.tensor(txt_lens, device=vid.device), dim=0)
        for block in self.blocks:
            vid, txt = block(vid, txt, vid_emb, txt_emb, grids, txt_lens)
        if self.variant == "3b":
            # The output modulation reuses the blocks' attention-slot shift/scale of the same embedding.
            vid = self.vid_out_norm(vid)
            vid = vid * (vid_emb[:, :, 0, 1] + self.vid_out_ada.out_scale) + (vid_emb[:, :, 0, 0] +
                                                                             self.vid_out_ada.out_shift)
        outs = [self.vid_out(x.view(*g, -1)) for x, g in zip(vid.split([t * h * w for t, h, w in grids]), grids)]
        return torch.cat([o.reshape(-1, o.shape[-1]) for o in outs])
