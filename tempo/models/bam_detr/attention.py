"""DAB-DETR style multi-head attention: queries, keys and values arrive already projected (the decoder
builds them from separate content/position projections), so only the output projection has weights.
Hand-written because torch's MultiheadAttention always owns input projections."""
import torch.nn.functional as F
from torch import nn


class ProjectedInputsAttention(nn.Module):
    def __init__(self, qk_dim: int, num_heads: int, v_dim: int, dropout: float = 0.0):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = qk_dim // num_heads
        self.dropout = dropout
        self.out_proj = nn.Linear(v_dim, v_dim)

    def forward(self, q, k, v, key_padding_mask=None):
        """q (B, Lq, Dqk), k (B, Lk, Dqk), v (B, Lk, Dv); key_padding_mask (B, Lk) True = ignore."""
        b, lq, _ = q.shape
        lk = k.shape[1]
        h = self.num_heads
        q = (q * self.head_dim ** -0.5).reshape(b, lq, h, -1).transpose(1, 2)
        k = k.reshape(b, lk, h, -1).transpose(1, 2)
        v = v.reshape(b, lk, h, -1).transpose(1, 2)
        logits = q @ k.transpose(-1, -2)
        if key_padding_mask is not None:
            logits = logits.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        weights = F.dropout(logits.softmax(-1), self.dropout, self.training)
        out = (weights @ v).transpose(1, 2).reshape(b, lq, -1)
        return self.out_proj(out)
