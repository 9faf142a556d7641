"""Anchor points per pyramid level: (t, regression-range low, high, stride), t = 0, s, 2s, ... (no offset)."""
import torch
from torch import nn


class PointGenerator(nn.Module):
    """Pre-computes points for ``buffer_len`` input positions and slices the first T_l per level.

    Longer inputs (the official code refuses them) get the same rows computed on the fly: a point's values do
    not depend on the buffer length, so this only lifts the length limit.
    """

    def __init__(self, buffer_len: float, strides, regression_range):
        super().__init__()
        self.strides = list(strides)
        self.buffer_len = buffer_len
        for level, (stride, reg_range) in enumerate(zip(self.strides, regression_range)):
            t = torch.arange(0, buffer_len, stride)[:, None].float()
            rows = torch.cat([t, torch.tensor(reg_range, dtype=torch.float32).expand(len(t), 2),
                              torch.full((len(t), 1), float(stride))], dim=1)
            self.register_buffer(f"points_{level}", rows, persistent=False)

    def forward(self, lengths):
        out = []
        for level, length in enumerate(lengths):
            pts = getattr(self, f"points_{level}")
            if length > pts.shape[0]:
                stride = self.strides[level]
                t = torch.arange(0, length * stride, stride, device=pts.device)[:, None].float()
                pts = torch.cat([t, pts[:1, 1:].expand(length, 3)], dim=1)
            out.append(pts[:length])
        return out
