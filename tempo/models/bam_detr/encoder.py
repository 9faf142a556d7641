"""BAM-DETR encoders (post-norm, PReLU feed-forward): the text-to-video encoder (video clips attend to the
text tokens) and the self-attention encoder over [global token, video clips]. Batch-first throughout."""
from torch import nn


class SelfAttentionEncoderLayer(nn.Module):
    def __init__(self, d_model: int, nhead: int, dim_feedforward: int, dropout: float):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = nn.PReLU()  # one shared weight, as in the official layers

    def ffn(self, x):
        x = self.norm1(x)
        return self.norm2(x + self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x))))))

    def forward(self, src, key_padding_mask, pos):
        qk = src + pos
        attn = self.self_attn(qk, qk, src, key_padding_mask=key_padding_mask, need_weights=False)[0]
        return self.ffn(src + self.dropout1(attn))


class TextToVideoEncoderLayer(SelfAttentionEncoderLayer):
    """Video clips (queries, with positions) attend to text tokens (keys with positions, values without).
    Only the video rows change (the residual differs from the self-attention layer, see forward); the caller keeps
    the global token and the text as they are.

    ``bug_compatible`` reproduces the official extra mask "clip padded AND token padded", tiled over heads in
    the wrong order (item b, head h gets the mask of item (b*nheads + h) mod B), which makes results depend on
    the batch composition. The correct mask adds nothing to the text padding mask, so by default it is omitted.
    """

    def forward(self, video, text, video_pos, text_pos, video_pad, text_pad, bug_compatible: bool = False):
        attn_mask = None
        if bug_compatible:
            per_item = video_pad[:, :, None] & text_pad[:, None, :]  # (B, Lv, Lt)
            attn_mask = per_item.repeat(self.self_attn.num_heads, 1, 1)
        attn = self.self_attn(video + video_pos, text + text_pos, text, attn_mask=attn_mask,
                              key_padding_mask=text_pad, need_weights=False)[0]
        x = video + self.dropout1(attn)
        # unlike the self-attention layer, the official residual around the feed-forward starts from the
        # un-normalised sum (norm1 only feeds the feed-forward input)
        ffn = self.linear2(self.dropout(self.activation(self.linear1(self.norm1(x)))))
        return self.norm2(x + self.dropout2(ffn))


class LayerStack(nn.Module):
    """Holds ``layers.i`` (the official TransformerEncoder has no final norm when post-norm)."""

    def __init__(self, layer_factory, num_layers: int):
        super().__init__()
        self.layers = nn.ModuleList(layer_factory() for _ in range(num_layers))
