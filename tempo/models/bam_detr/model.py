"""BAM-DETR (Lee et al., ECCV 2024): boundary-oriented moment retrieval. Module and parameter names follow
the official model so that official ``model.ckpt`` state dicts load strictly (see checkpoint.py)."""
import math

import torch
from torch import nn

from .decoder import DualPathwayDecoder
from .encoder import LayerStack, SelfAttentionEncoderLayer, TextToVideoEncoderLayer
from .layers import MLP, input_projection_stack, inverse_sigmoid, sine_position_embedding

HIDDEN_DIM = 256  # the official query sine embedding and quality head hard-code 256


class BAMTransformer(nn.Module):
    """Container with the official ``transformer.*`` names; the forward logic lives in BAMDETR."""

    def __init__(self, d_model, nhead, num_queries, enc_layers, dec_layers, dim_feedforward, dropout):
        super().__init__()
        enc = lambda cls: (lambda: cls(d_model, nhead, dim_feedforward, dropout))
        self.txt_encoder = LayerStack(enc(SelfAttentionEncoderLayer), enc_layers)  # dead in the official model
        self.t2v_encoder = LayerStack(enc(TextToVideoEncoderLayer), enc_layers)
        self.encoder = LayerStack(enc(SelfAttentionEncoderLayer), enc_layers)
        self.decoder = DualPathwayDecoder(d_model, nhead, dec_layers, dim_feedforward, dropout)
        self.tgt_embed = nn.Embedding(num_queries, 3 * d_model)
        self.saliency_proj1 = None  # aliases of the model's saliency projections (as in the official code)
        self.saliency_proj2 = None


class TextPositionEmbedding(nn.Module):
    """Learned text positions (only used with use_txt_pos); returns LayerNorm(x + position) like the official."""

    def __init__(self, max_len: int, d_model: int, dropout: float):
        super().__init__()
        self.position_embeddings = nn.Embedding(max_len, d_model)
        self.LayerNorm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        ids = torch.arange(x.shape[1], device=x.device)
        return self.dropout(self.LayerNorm(x + self.position_embeddings(ids)[None]))


class BAMDETR(nn.Module):
    def __init__(self, v_feat_dim: int, t_feat_dim: int, hidden_dim: int = HIDDEN_DIM, nheads: int = 8,
                 num_queries: int = 10, enc_layers: int = 2, dec_layers: int = 2, dim_feedforward: int = 1024,
                 dropout: float = 0.1, input_dropout: float = 0.5, n_input_proj: int = 2, max_q_l: int = 32,
                 use_txt_pos: bool = False, aux_loss: bool = True, quality_loss: bool = True,
                 t2v_mask_bug_compatible: bool = False):
        super().__init__()
        if hidden_dim != HIDDEN_DIM:
            raise ValueError(f"BAM-DETR requires hidden_dim {HIDDEN_DIM} (fixed by the official code), "
                             f"got {hidden_dim}")
        if not quality_loss:
            raise ValueError("only the quality-head variant (official --quality_loss) is implemented")
        self.hidden_dim, self.num_queries, self.aux_loss = hidden_dim, num_queries, aux_loss
        self.use_txt_pos, self.t2v_mask_bug_compatible = use_txt_pos, t2v_mask_bug_compatible
        # parameters first, children in the official registration order (same state_dict order)
        self.global_rep_token = nn.Parameter(torch.randn(hidden_dim))
        self.global_rep_pos = nn.Parameter(torch.randn(hidden_dim))
        self.global_rep_token_txt = nn.Parameter(torch.randn(hidden_dim))  # dead (only the text encoder reads it)
        self.global_rep_pos_txt = nn.Parameter(torch.randn(hidden_dim))
        self.transformer = BAMTransformer(hidden_dim, nheads, num_queries, enc_layers, dec_layers,
                                          dim_feedforward, dropout)
        self.txt_position_embed = TextPositionEmbedding(max_q_l, hidden_dim, input_dropout)
        self.class_embed = nn.ModuleList(nn.Linear(hidden_dim * 3, 2) for _ in range(dec_layers))
        self.span_embed = nn.ModuleList(nn.ModuleList(MLP(hidden_dim, hidden_dim, 1, 3) for _ in range(3))
                                        for _ in range(dec_layers))
        self.quality_pred = MLP(hidden_dim * 3, hidden_dim, 1, 3)
        self.query_embed = nn.Embedding(num_queries, 3)
        self.input_txt_proj = input_projection_stack(t_feat_dim, hidden_dim, n_input_proj, input_dropout)
        self.input_vid_proj = input_projection_stack(v_feat_dim, hidden_dim, n_input_proj, input_dropout)
        self.saliency_proj1 = nn.Linear(hidden_dim, hidden_dim)
        self.saliency_proj2 = nn.Linear(hidden_dim, hidden_dim)
        self.transformer.decoder.bbox_embed = self.span_embed
        self.transformer.saliency_proj1 = self.saliency_proj1
        self.transformer.saliency_proj2 = self.saliency_proj2
        self._init_weights()

    def _init_weights(self):
        # as the official: xavier over every matrix of the transformer (deformation weights included),
        # normal target embeddings, zero last layers of the span heads
        for p in self.transformer.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        nn.init.normal_(self.transformer.tgt_embed.weight)
        for heads in self.span_embed:
            for head in heads:
                nn.init.zeros_(head.layers[-1].weight)
                nn.init.zeros_(head.layers[-1].bias)

    @torch.no_grad()
    def constrain_query_embed_(self):
        """Official in-place rewrite at every forward: left distance <= anchor and right distance <= 1 - anchor
        (in logit space), so initial spans stay inside the video."""
        w = self.query_embed.weight
        w[:, 1] = torch.minimum(w[:, 0], w[:, 1])
        w[:, 2] = torch.minimum(inverse_sigmoid(1.0 - w[:, 0].sigmoid()), w[:, 2])

    def encode(self, vid, txt, vid_pad, txt_pad, pos_vid, pos_txt):
        """Text-to-video then self-attention encoder. Returns (t2v video rows, video memory, global memory)."""
        for layer in self.transformer.t2v_encoder.layers:
            vid = layer(vid, txt, pos_vid, pos_txt, vid_pad, txt_pad, self.t2v_mask_bug_compatible)
        b = vid.shape[0]
        x = torch.cat([self.global_rep_token.expand(b, 1, -1), vid], 1)
        pos = torch.cat([self.global_rep_pos.expand(b, 1, -1), pos_vid], 1)
        pad = torch.cat([vid_pad.new_zeros(b, 1), vid_pad], 1)
        for layer in self.transformer.encoder.layers:
            x = layer(x, pad, pos)
        return vid, x[:, 1:], x[:, 0]

    def saliency(self, vid_mem, global_mem):
        s = self.saliency_proj1(vid_mem) * self.saliency_proj2(global_mem).unsqueeze(1)
        return s.sum(-1) / math.sqrt(self.hidden_dim)

    def forward(self, src_txt, src_txt_mask, src_vid, src_vid_mask, with_negative: bool = False,
                return_intermediates: bool = False):
        """Masks are float/bool with 1 = valid. ``with_negative`` runs the encoder again with every item's text
        replaced by the next item's (saliency loss only)."""
        vid = self.input_vid_proj(src_vid)
        txt = self.input_txt_proj(src_txt)
        vid_pad, txt_pad = ~src_vid_mask.bool(), ~src_txt_mask.bool()
        pos_vid = sine_position_embedding(src_vid_mask, self.hidden_dim)
        pos_txt = self.txt_position_embed(txt) if self.use_txt_pos else torch.zeros_like(txt)
        self.constrain_query_embed_()

        vid_t2v, vid_mem, global_mem = self.encode(vid, txt, vid_pad, txt_pad, pos_vid, pos_txt)
        b = vid.shape[0]
        tgt = self.transformer.tgt_embed.weight.unsqueeze(0).repeat(b, 1, 1)
        refpoints = self.query_embed.weight.unsqueeze(0).repeat(b, 1, 1)
        hs, refs, boundary = self.transformer.decoder(tgt, vid_mem, vid_t2v, vid_pad, pos_vid, refpoints)

        n_layers = len(self.class_embed)
        d = self.hidden_dim
        logits = torch.stack([self.class_embed[i](hs[2 * i + 1]) for i in range(n_layers)])
        raw = refs[1:]
        left, right = raw[..., 0] - raw[..., 1], raw[..., 0] + raw[..., 2]
        spans = torch.stack([(left + right) / 2.0, right - left], -1)
        left2, right2 = raw[..., 0] - raw[..., 1].detach(), raw[..., 0] + raw[..., 2].detach()
        spans2 = torch.stack([(left2 + right2) / 2.0, right2 - left2], -1)
        anchor_feat = hs[0::2][..., :d]
        quality_in = torch.cat([anchor_feat, hs[1::2][..., d:] - anchor_feat.repeat(1, 1, 1, 2)], -1)
        quality = self.quality_pred(quality_in).sigmoid()

        out = {"pred_logits": logits[-1], "pred_spans": spans[-1], "pred_quality": quality[-1],
               "memory_boundary": boundary, "saliency_scores": self.saliency(vid_mem, global_mem),
               "video_mask": src_vid_mask}
        if with_negative:
            txt_neg, pad_neg = txt.roll(-1, 0), txt_pad.roll(-1, 0)
            _, vid_mem_neg, global_neg = self.encode(vid, txt_neg, vid_pad, pad_neg, pos_vid, pos_txt)
            out["saliency_scores_neg"] = self.saliency(vid_mem_neg, global_neg)
            if return_intermediates:
                out["neg_memory_global"] = global_neg
        if self.aux_loss:
            out["aux_outputs"] = [
                {"pred_spans": spans[i], "pred_spans2": spans2[i], "pred_spans_raw": raw[i],
                 "pred_quality": quality[i], "pred_logits": logits[i]} for i in range(n_layers - 1)]
        if return_intermediates:
            out.update(vid_proj=vid, txt_proj=txt, t2v_video=vid_t2v, encoder_out=torch.cat(
                [global_mem.unsqueeze(1), vid_mem], 1), hs=hs, reference=refs)
        return out
