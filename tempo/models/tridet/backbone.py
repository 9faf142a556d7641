"""SGP backbone (conv embedding + stem SGP blocks + down-sampling SGP branch) and the identity neck."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .layers import ChannelLayerNorm, MaskedConv1d
from .sgp import SGPBlock


def sinusoid_table(length: int, dim: int) -> torch.Tensor:
    """[1, dim, length] table: sin on even, cos on odd channels, angle = pos / 10000^(2*(i//2)/dim)."""
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    i = torch.arange(dim, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(10000.0, 2 * torch.div(i, 2, rounding_mode="floor") / dim)
    table = torch.empty_like(angle)
    table[:, 0::2] = torch.sin(angle[:, 0::2])
    table[:, 1::2] = torch.cos(angle[:, 1::2])
    return table.float().T.unsqueeze(0)


class SGPBackbone(nn.Module):
    """Returns one feature map per pyramid level (level l has stride scale_factor**l) and its mask."""

    def __init__(self, in_dim: int, dim: int, mlp_dim: int, arch=(2, 2, 5), embd_kernel: int = 3,
                 embd_with_ln: bool = True, max_len: int = 2304, scale_factor: int = 2, windows=None,
                 k: float = 1.5, drop_path: float = 0.0, downsample_type: str = "max", use_abs_pe: bool = False,
                 init_conv_std: float = 0.0):
        super().__init__()
        n_embd, n_stem, n_branch = arch
        windows = list(windows) if windows is not None else [1] * (n_branch + 1)
        self.max_len = max_len
        self.use_abs_pe = use_abs_pe
        if use_abs_pe:
            self.register_buffer("pos_embd", sinusoid_table(max_len, dim) / math.sqrt(dim), persistent=False)
        self.embd = nn.ModuleList(
            MaskedConv1d(in_dim if i == 0 else dim, dim, embd_kernel, bias=not embd_with_ln) for i in range(n_embd))
        self.embd_norm = nn.ModuleList(
            ChannelLayerNorm(dim) if embd_with_ln else nn.Identity() for _ in range(n_embd))
        # Stem blocks always use window 1 and no drop path (official).
        self.stem = nn.ModuleList(SGPBlock(dim, 1, 1, k=k, mlp_dim=mlp_dim) for _ in range(n_stem))
        self.branch = nn.ModuleList(
            SGPBlock(dim, windows[1 + i], scale_factor, k=k, mlp_dim=mlp_dim, drop_path=drop_path,
                     downsample_type=downsample_type) for i in range(n_branch))
        for module in self.modules():
            if isinstance(module, nn.Conv1d) and module.bias is not None:
                nn.init.zeros_(module.bias)
            if isinstance(module, SGPBlock):
                module.reset_sgp_params(init_conv_std)

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        length = x.shape[-1]
        for conv, norm in zip(self.embd, self.embd_norm):
            x, mask = conv(x, mask)
            x = torch.relu(norm(x))
        if self.use_abs_pe:
            pe = self.pos_embd
            if not self.training and length >= self.max_len:
                pe = F.interpolate(pe, length, mode="linear", align_corners=False)
            elif self.training and length > self.max_len:
                raise ValueError("training sequences may not exceed max_seq_len")
            x = x + pe[:, :, :length] * mask.to(x.dtype)
        for block in self.stem:
            x, mask = block(x, mask)
        feats, masks = [x], [mask]
        for block in self.branch:
            x, mask = block(x, mask)
            feats.append(x)
            masks.append(mask)
        return feats, masks


class IdentityNeck(nn.Module):
    """The 'identity' FPN: a LayerNorm per level, masks unchanged."""

    def __init__(self, dim: int, num_levels: int, with_ln: bool = True):
        super().__init__()
        self.fpn_norms = nn.ModuleList(ChannelLayerNorm(dim) if with_ln else nn.Identity() for _ in range(num_levels))

    def forward(self, feats, masks):
        return [norm(f) for norm, f in zip(self.fpn_norms, feats)], masks
