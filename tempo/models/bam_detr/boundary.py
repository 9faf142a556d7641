"""Boundary pathway of the BAM-DETR decoder: 1-D deformable sampling around a start or end point."""
import torch
from torch import nn


def sample_linear(values: torch.Tensor, locations: torch.Tensor) -> torch.Tensor:
    """Linear interpolation along time with align_corners semantics.

    values (N, T, D); locations (N, Q, P) in [0, 1] (0 = first row, 1 = last row) -> (N, Q, P, D).
    Same as the official grid_sample(bilinear, align_corners=True) on a height-1 image, without the
    per-query copy of the value tensor it makes."""
    t = values.shape[1]
    pos = locations * (t - 1)
    lo = pos.floor().clamp(0, t - 1)
    frac = (pos - lo).unsqueeze(-1)
    lo = lo.long()
    hi = (lo + 1).clamp(max=t - 1)
    n, q, p = locations.shape
    gather = lambda idx: torch.gather(values, 1, idx.reshape(n, q * p, 1).expand(-1, -1, values.shape[2]))
    v_lo = gather(lo).reshape(n, q, p, -1)
    v_hi = gather(hi).reshape(n, q, p, -1)
    return v_lo * (1 - frac) + v_hi * frac


class BoundaryDeformation(nn.Module):
    """Each query samples ``num_points`` positions per head around its boundary point (offsets in clips),
    softmax-weights them per head and projects the result."""

    def __init__(self, d_model: int, nhead: int, num_points: int = 4):
        super().__init__()
        self.d_model, self.nhead, self.num_points = d_model, nhead, num_points
        self.point_weights = nn.Linear(d_model, num_points * nhead)
        self.point_offsets = nn.Linear(d_model, num_points * nhead)
        self.value_proj = nn.Linear(d_model * 2, d_model)
        self.output_proj = nn.Linear(d_model, d_model)
        nn.init.zeros_(self.point_weights.weight)
        nn.init.zeros_(self.point_weights.bias)
        nn.init.zeros_(self.point_offsets.weight)
        with torch.no_grad():  # initial offsets 1, 2, ..., num_points clips (official grid_init with theta 0)
            self.point_offsets.bias.copy_(torch.arange(1, num_points + 1, dtype=torch.float32).repeat(nhead))

    def forward(self, queries, features, points, valid_len):
        """queries (B, Q, d); features (B, T, 2d) padded; points (B, Q) in units of the valid length;
        valid_len (B,) float number of valid clips."""
        b, q, _ = queries.shape
        m, p = self.nhead, self.num_points
        total_len = features.shape[1]
        values = self.value_proj(features)  # (B, T, d), channel = head * head_dim + k
        offsets = self.point_offsets(queries).reshape(b, q, m, p)
        weights = self.point_weights(queries).reshape(b, q, m, p).softmax(-1)
        w = valid_len[:, None, None, None]
        # official mapping to the PADDED length: (point*W + offset) * (T-1)/T over T rows (see fixture README)
        loc = ((points[:, :, None, None] + offsets / w) * (w / total_len)).clamp(0.0, 1.0)
        head_values = values.reshape(b, total_len, m, -1).permute(0, 2, 1, 3).reshape(b * m, total_len, -1)
        loc = loc.permute(0, 2, 1, 3).reshape(b * m, q, p)
        sampled = sample_linear(head_values, loc).reshape(b, m, q, p, -1)
        pooled = (sampled * weights.permute(0, 2, 1, 3)[..., None]).sum(3)  # (B, m, Q, hd)
        packed = pooled.permute(0, 2, 3, 1).reshape(b, q, -1)  # channel-major: channel = k * nhead + head
        return self.output_proj(packed)


class BoundaryDecoderLayer(nn.Module):
    def __init__(self, d_model: int, dim_feedforward: int, nhead: int, dropout: float):
        super().__init__()
        self.boundary_deformation = BoundaryDeformation(d_model, nhead)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)  # present in the official checkpoint, never used
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = nn.PReLU()

    def forward(self, features, points, queries, valid_len):
        tgt = self.norm2(queries + self.dropout2(self.boundary_deformation(queries, features, points, valid_len)))
        ffn = self.linear2(self.dropout1(self.activation(self.linear1(tgt))))
        return self.norm3(tgt + self.dropout3(ffn))
