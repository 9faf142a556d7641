"""Convolutional heads shared over pyramid levels: classification / boundary heads and the centre-offset head."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .layers import ChannelLayerNorm, MaskedConv1d, Scale


class _ConvTower(nn.Module):
    """(num_layers - 1) x [masked conv -> LayerNorm -> ReLU]."""

    def __init__(self, in_dim: int, dim: int, num_layers: int, kernel: int, with_ln: bool):
        super().__init__()
        self.head = nn.ModuleList(
            MaskedConv1d(in_dim if i == 0 else dim, dim, kernel, bias=not with_ln) for i in range(num_layers - 1))
        self.norm = nn.ModuleList(ChannelLayerNorm(dim) if with_ln else nn.Identity() for _ in range(num_layers - 1))

    def tower(self, x, mask):
        for conv, norm in zip(self.head, self.norm):
            x, _ = conv(x, mask)
            x = torch.relu(norm(x))
        return x

    def level(self, x, mask, last):
        """``last(tower(x))`` on one level. At inference the padded tail past the first padded position is not
        computed: every masked conv zeroes padded outputs, so a valid output reads at most the first padded
        position (whose value, relu(norm(0)), is computed here as in the full run); the tail is zero-filled.
        Masks are prefixes (``TriDet.pad_batch``); training keeps the full run."""
        length = x.shape[-1]
        end = int(mask.sum(-1).max()) + 1
        if self.training or end >= length:
            return last(self.tower(x, mask), mask)
        x, mask = x[..., :end], mask[..., :end]
        return F.pad(last(self.tower(x, mask), mask), (0, length - end))


class ClassHead(_ConvTower):
    """Per-class logits ``[B, C, T_l]`` per level. Also used for the start/end boundary heads, which read
    detached features (``detach_feat``) so boundary learning does not push the shared features."""

    def __init__(self, in_dim: int, dim: int, num_classes: int, num_layers: int = 3, kernel: int = 3,
                 with_ln: bool = True, prior_prob: float = 0.01, empty_cls=(), detach_feat: bool = False):
        super().__init__(in_dim, dim, num_layers, kernel, with_ln)
        self.detach_feat = detach_feat
        self.cls_head = MaskedConv1d(dim, num_classes, kernel)
        self.cls_head.float32_under_autocast = True  # float32 logits under autocast (layers.MaskedConv1d)
        nn.init.constant_(self.cls_head.conv.bias, -math.log((1 - prior_prob) / prior_prob))
        with torch.no_grad():
            for idx in empty_cls:
                self.cls_head.conv.bias[idx] = -math.log((1 - 1e-6) / 1e-6)

    def forward(self, feats, masks):
        outs = []
        for x, mask in zip(feats, masks):
            outs.append(self.level(x.detach() if self.detach_feat else x, mask,
                                   lambda y, m: self.cls_head(y, m)[0]))
        return outs


class RegressionHead(_ConvTower):
    """Centre-offset logits ``[B, 2*(num_bins+1), T_l]`` per level: ReLU(Scale_l(conv))."""

    def __init__(self, in_dim: int, dim: int, num_levels: int, num_layers: int = 3, kernel: int = 3,
                 with_ln: bool = True, num_bins: int = 16):
        super().__init__(in_dim, dim, num_layers, kernel, with_ln)
        self.scale = nn.ModuleList(Scale() for _ in range(num_levels))
        self.offset_head = MaskedConv1d(dim, 2 * (num_bins + 1), kernel)
        self.offset_head.float32_under_autocast = True  # float32 logits under autocast (layers.MaskedConv1d)

    def forward(self, feats, masks):
        outs = []
        for level, (x, mask) in enumerate(zip(feats, masks)):
            scale = self.scale[level]
            outs.append(self.level(x, mask, lambda y, m, scale=scale: F.relu(scale(self.offset_head(y, m)[0]))))
        return outs
