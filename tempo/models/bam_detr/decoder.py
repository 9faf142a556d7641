"""Dual-pathway BAM-DETR decoder. Each query carries three 256-d states [anchor | start | end] and a
reference (anchor, left distance, right distance) in sigmoid space. Per layer the anchor pathway
(DAB-DETR conditional cross-attention) refines the anchor, then the boundary pathway samples features
around the start and end points and refines the two distances. Batch-first."""
import torch
from torch import nn

from .attention import ProjectedInputsAttention
from .boundary import BoundaryDecoderLayer
from .layers import MLP, inverse_sigmoid, sine_embed_1d


class AnchorDecoderLayer(nn.Module):
    """Self-attention among queries, then conditional cross-attention to the video memory where each head
    concatenates content and (sine) position parts of query and key."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int, dropout: float, first: bool):
        super().__init__()
        self.nhead = nhead
        self.sa_qcontent_proj = nn.Linear(d_model, d_model)
        self.sa_qpos_proj = nn.Linear(d_model, d_model)
        self.sa_kcontent_proj = nn.Linear(d_model, d_model)
        self.sa_kpos_proj = nn.Linear(d_model, d_model)
        self.sa_v_proj = nn.Linear(d_model, d_model)
        self.self_attn = ProjectedInputsAttention(d_model, nhead, d_model, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.ca_qcontent_proj = nn.Linear(d_model, d_model)
        # only the first layer adds the query position to the content query (DAB-DETR keep_query_pos=False)
        self.ca_qpos_proj = nn.Linear(d_model, d_model) if first else None
        self.ca_kcontent_proj = nn.Linear(d_model, d_model)
        self.ca_kpos_proj = nn.Linear(d_model, d_model)
        self.ca_v_proj = nn.Linear(d_model, d_model)
        self.ca_qpos_sine_proj = nn.Linear(d_model, d_model)
        self.cross_attn = ProjectedInputsAttention(d_model * 2, nhead, d_model, dropout)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = nn.PReLU()

    def _per_head_concat(self, a, b):
        n, l, d = a.shape
        return torch.cat([a.reshape(n, l, self.nhead, -1), b.reshape(n, l, self.nhead, -1)], -1).reshape(n, l, 2 * d)

    def forward(self, tgt, memory, memory_pad, pos, query_pos, query_sine_embed):
        q = self.sa_qcontent_proj(tgt) + self.sa_qpos_proj(query_pos)
        k = self.sa_kcontent_proj(tgt) + self.sa_kpos_proj(query_pos)
        tgt = self.norm1(tgt + self.dropout1(self.self_attn(q, k, self.sa_v_proj(tgt))))

        q = self.ca_qcontent_proj(tgt)
        k = self.ca_kcontent_proj(memory)
        k_pos = self.ca_kpos_proj(pos)
        if self.ca_qpos_proj is not None:
            q = q + self.ca_qpos_proj(query_pos)
            k = k + k_pos
        q = self._per_head_concat(q, self.ca_qpos_sine_proj(query_sine_embed))
        k = self._per_head_concat(k, k_pos)
        attn = self.cross_attn(q, k, self.ca_v_proj(memory), key_padding_mask=memory_pad)
        tgt = self.norm2(tgt + self.dropout2(attn))
        ffn = self.linear2(self.dropout(self.activation(self.linear1(tgt))))
        return self.norm3(tgt + self.dropout3(ffn))


def _boundary_conv(d_model: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(d_model, d_model, 3, padding=1), nn.ReLU(),
                         nn.Conv1d(d_model, d_model, 3, padding=1), nn.ReLU(),
                         nn.Conv1d(d_model, d_model, 1), nn.ReLU())


def _edges(ref):
    """(anchor, dl, dr) -> clipped (left, right)."""
    return (ref[..., 0] - ref[..., 1]).clip(min=0), (ref[..., 0] + ref[..., 2]).clip(max=1)


class DualPathwayDecoder(nn.Module):
    def __init__(self, d_model: int, nhead: int, num_layers: int, dim_feedforward: int, dropout: float):
        super().__init__()
        self.d_model = d_model
        self.num_layers = num_layers
        self.layers = nn.ModuleList(AnchorDecoderLayer(d_model, nhead, dim_feedforward, dropout, first=i == 0)
                                    for i in range(num_layers))
        # boundary_layers[layer][0 = start, 1 = end]. The official code builds [2][num_layers] but indexes
        # [layer][start/end]; both agree (and official checkpoints load) exactly when num_layers == 2.
        self.boundary_layers = nn.ModuleList(
            nn.ModuleList(BoundaryDecoderLayer(d_model, dim_feedforward, nhead, dropout) for _ in range(2))
            for _ in range(num_layers))
        # query_scale.1/.2 and ref_point_head_boundary exist in official checkpoints but feed nothing
        self.query_scale = nn.ModuleList(MLP(d_model, d_model, d_model, 2) for _ in range(3))
        self.ref_point_head = MLP(d_model * 2, d_model * 2, d_model, 2)
        self.ref_point_head_boundary = MLP(d_model, d_model, d_model, 2)
        self.bbox_embed = nn.ModuleList()  # replaced by the model with its span heads (aliased, as the official)
        self.ref_anchor_head = MLP(d_model, d_model, 1, 2)
        self.boundary_conv_left = _boundary_conv(d_model)
        self.boundary_conv_right = _boundary_conv(d_model)

    def forward(self, tgt, memory, video_src, memory_pad, pos, refpoints_unsigmoid):
        """tgt (B, Q, 3d); memory, video_src, pos (B, T, d); memory_pad (B, T) True = padding;
        refpoints_unsigmoid (B, Q, 3). Returns hs (2L, B, Q, 3d), refs (L+1, B, Q, 3), boundary (B, T, 2d)."""
        d = self.d_model
        conv_in = video_src.transpose(1, 2)
        bound_left = self.boundary_conv_left(conv_in).transpose(1, 2)
        bound_right = self.boundary_conv_right(conv_in).transpose(1, 2)
        feats_left = torch.cat([memory, bound_left], -1)
        feats_right = torch.cat([memory, bound_right], -1)
        valid_len = (~memory_pad).sum(-1).float()

        output = tgt
        reference = refpoints_unsigmoid.sigmoid()
        refs, states = [reference], []
        for layer_id, (layer, (start_layer, end_layer)) in enumerate(zip(self.layers, self.boundary_layers)):
            heads = self.bbox_embed[layer_id]
            # ---- anchor pathway
            left, right = _edges(reference)
            center, length = (left + right) / 2.0, right - left
            query_pos = self.ref_point_head(torch.cat([sine_embed_1d(center), sine_embed_1d(length)], -1))
            anchor_state = output[..., :d]
            query_sine = sine_embed_1d(center)
            if layer_id > 0:
                query_sine = query_sine * self.query_scale[0](anchor_state)
            modulation = self.ref_anchor_head(anchor_state).sigmoid()[..., 0] / length
            query_sine = query_sine * modulation.unsqueeze(-1)
            anchor_state = layer(anchor_state, memory, memory_pad, pos, query_pos, query_sine)
            output = torch.cat([anchor_state, output[..., d:]], -1)
            states.append(output)
            delta = torch.cat([heads[0](anchor_state), anchor_state.new_zeros(anchor_state.shape[:-1] + (2,))], -1)
            new_center = (delta + inverse_sigmoid(reference)).sigmoid()
            reference = new_center.detach()

            # ---- boundary pathway
            left, right = _edges(reference)
            center, length = (left + right) / 2.0, right - left
            # the official code recomputes the edges as centre -/+ half length (kept for bit-closeness)
            left, right = center - length * 0.5, center + length * 0.5
            start_state = start_layer(feats_left, left, output[..., d:2 * d], valid_len)
            end_state = end_layer(feats_right, right, output[..., 2 * d:], valid_len)
            output = torch.cat([anchor_state, start_state, end_state], -1)
            states.append(output)
            delta = torch.cat([start_state.new_zeros(start_state.shape[:-1] + (1,)),
                               heads[1](start_state), heads[2](end_state)], -1)
            new_reference = (delta + inverse_sigmoid(reference)).sigmoid()
            refs.append(torch.cat([new_center[..., :1], new_reference[..., 1:]], -1))
            reference = new_reference.detach()
        return torch.stack(states), torch.stack(refs), torch.cat([bound_left, bound_right], -1)
