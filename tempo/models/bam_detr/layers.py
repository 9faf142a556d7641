"""Small building blocks of BAM-DETR: MLPs, input projections, sine embeddings, inverse sigmoid."""
import math

import torch
import torch.nn.functional as F
from torch import nn


class MLP(nn.Module):
    """Linear layers with ReLU between them (DETR's "FFN" head); parameter names ``layers.i``."""

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, num_layers: int):
        super().__init__()
        dims_in = [input_dim] + [hidden_dim] * (num_layers - 1)
        dims_out = [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(dims_in, dims_out))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class InputProjection(nn.Module):
    """LayerNorm -> Dropout -> Linear (-> ReLU); parameter names match the official ``LinearLayer``."""

    def __init__(self, in_dim: int, out_dim: int, dropout: float, relu: bool):
        super().__init__()
        self.relu = relu
        self.LayerNorm = nn.LayerNorm(in_dim)
        self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_dim, out_dim))

    def forward(self, x):
        x = self.net(self.LayerNorm(x))
        return F.relu(x) if self.relu else x


def input_projection_stack(in_dim: int, hidden_dim: int, n_layers: int, dropout: float) -> nn.Sequential:
    """``n_layers`` projections; all but the last end in a ReLU (as the official ``relu_args``)."""
    dims = [in_dim] + [hidden_dim] * n_layers
    return nn.Sequential(*[InputProjection(dims[i], dims[i + 1], dropout, relu=i < n_layers - 1)
                           for i in range(n_layers)])


def inverse_sigmoid(x: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def sine_position_embedding(mask: torch.Tensor, num_feats: int, temperature: float = 10000.0) -> torch.Tensor:
    """(B, T) float/bool mask (1 = valid) -> (B, T, num_feats). Positions are the cumulative valid count,
    normalised by its last value, so padded clips repeat the last valid position."""
    x = mask.cumsum(1, dtype=torch.get_default_dtype())  # float32 unless a float64 check asks
    x = x / (x[:, -1:] + 1e-6) * (2 * math.pi)
    dim_t = torch.arange(num_feats, dtype=x.dtype, device=mask.device)
    dim_t = temperature ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / num_feats)
    pos = x[:, :, None] / dim_t
    return torch.stack((pos[:, :, 0::2].sin(), pos[:, :, 1::2].cos()), dim=3).flatten(2)


def sine_embed_1d(values: torch.Tensor, num_feats: int = 256) -> torch.Tensor:
    """(...,) values in [0, 1] -> (..., num_feats) sine/cosine embedding (DAB-DETR query positions).
    The official code fixes num_feats at 256 whatever hidden_dim is."""
    dim_t = torch.arange(num_feats, dtype=torch.get_default_dtype(), device=values.device)
    dim_t = 10000 ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / num_feats)
    pos = (values * (2 * math.pi))[..., None] / dim_t
    return torch.stack((pos[..., 0::2].sin(), pos[..., 1::2].cos()), dim=-1).flatten(-2)
