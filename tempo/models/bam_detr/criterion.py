"""BAM-DETR training losses (official SetCriterion): Hungarian matching on L1 + gIoU span costs
(scipy's linear_sum_assignment), span L1 / gIoU, foreground classification, IoU-binned quality regression,
boundary BCE on the boundary feature maps and the saliency losses (margin, rank-contrastive, negative pair)."""
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn

from .postprocess import span_cxw_to_xx

BOUNDARY_DELTA_IN, BOUNDARY_DELTA_OUT = 0.1, 0.25  # boundary target band, fractions of the span length
QUALITY_BINS = (0.3, 0.7)
SALIENCY_TAU = 0.5


def temporal_iou(a, b):
    """(N, 2) x (M, 2) xx spans -> (IoU, union), each (N, M)."""
    inter = (torch.min(a[:, None, 1], b[:, 1]) - torch.max(a[:, None, 0], b[:, 0])).clamp(min=0)
    union = (a[:, 1] - a[:, 0])[:, None] + (b[:, 1] - b[:, 0]) - inter
    return inter / union, union


def generalized_temporal_iou(a, b):
    iou, union = temporal_iou(a.float(), b.float())
    enclosing = (torch.max(a[:, None, 1], b[:, 1]) - torch.min(a[:, None, 0], b[:, 0])).clamp(min=0)
    return iou - (enclosing - union) / enclosing


class HungarianMatcher(nn.Module):
    def __init__(self, cost_span=10.0, cost_giou=1.0, cost_class=0.0):
        super().__init__()
        self.cost_span, self.cost_giou, self.cost_class = cost_span, cost_giou, cost_class

    @torch.no_grad()
    def forward(self, outputs, span_labels):
        indices = []
        probs = outputs["pred_logits"].softmax(-1)
        for b, tgt in enumerate(span_labels):
            pred_xx, tgt_xx = span_cxw_to_xx(outputs["pred_spans"][b]), span_cxw_to_xx(tgt)
            cost = (self.cost_span * torch.cdist(pred_xx, tgt_xx, p=1)
                    - self.cost_giou * generalized_temporal_iou(pred_xx, tgt_xx)
                    - self.cost_class * probs[b][:, :1].expand(-1, len(tgt)))
            i, j = linear_sum_assignment(cost.cpu())
            indices.append((torch.as_tensor(i, dtype=torch.int64), torch.as_tensor(j, dtype=torch.int64)))
        return indices


def build_weight_dict(span=10.0, giou=1.0, label=0.0, saliency=1.0, quality=2.0, boundary=1.0, dec_layers=2,
                      aux_loss=True) -> dict:
    weights = {"loss_span": span, "loss_giou": giou, "loss_label": label, "loss_saliency": saliency,
               "loss_quality": quality, "loss_boundary": boundary}
    if aux_loss:
        for i in range(dec_layers - 1):
            weights.update({f"{k}_{i}": v for k, v in list(weights.items())[:6] if k != "loss_saliency"})
    return weights


class BAMCriterion(nn.Module):
    """``targets``: dict with ``span_labels`` (list of (n_i, 2) normalised (center, width)), and for the saliency
    loss ``saliency_pos_labels``/``saliency_neg_labels`` (B, pairs) and ``saliency_all_labels`` (B, T)."""

    def __init__(self, weight_dict: dict, matcher: HungarianMatcher, eos_coef=0.1, saliency_margin=0.2):
        super().__init__()
        self.weight_dict, self.matcher, self.saliency_margin = weight_dict, matcher, saliency_margin
        self.register_buffer("empty_weight", torch.tensor([1.0, eos_coef]))

    @staticmethod
    def _src_idx(indices):
        return (torch.cat([torch.full_like(s, i) for i, (s, _) in enumerate(indices)]),
                torch.cat([s for s, _ in indices]))

    def loss_spans(self, out, span_labels, indices):
        src = out["pred_spans"][self._src_idx(indices)]
        tgt = torch.cat([t[j] for t, (_, j) in zip(span_labels, indices)])
        src_xx, tgt_xx = span_cxw_to_xx(src, clamp=False), span_cxw_to_xx(tgt)
        return {"loss_span": F.l1_loss(src_xx, tgt_xx, reduction="none").mean(),
                "loss_giou": (1 - torch.diag(generalized_temporal_iou(src_xx, tgt_xx))).mean()}

    def loss_labels(self, out, span_labels, indices):
        logits = out["pred_logits"]
        idx = self._src_idx(indices)
        target = torch.ones(logits.shape[:2], dtype=torch.int64, device=logits.device)  # 1 = background
        target[idx] = 0
        loss = F.cross_entropy(logits.transpose(1, 2), target, self.empty_weight, reduction="none").mean()
        matched = logits[idx]
        accuracy = (matched.argmax(-1) == 0).float().sum() * (100.0 / max(len(matched), 1))
        return {"loss_label": loss, "class_error": 100 - accuracy}

    def loss_quality(self, out, span_labels, indices):
        """L1 between the predicted quality and each query's best IoU with a GT window (all queries, not only
        matched ones), averaged within each IoU bin (> 0.7, (0.3, 0.7], <= 0.3); the bin means are summed and
        divided by 3 even when a bin is empty (official)."""
        ious = torch.stack([temporal_iou(span_cxw_to_xx(out["pred_spans"][b].detach()),
                                         span_cxw_to_xx(t))[0].max(1)[0] for b, t in enumerate(span_labels)])
        ious, quality = ious.flatten(), out["pred_quality"].squeeze(-1).flatten()
        err = F.l1_loss(quality, ious, reduction="none")
        lo, hi = QUALITY_BINS
        total = 0
        for sel in (ious > hi, (ious <= hi) & (ious > lo), ious <= lo):
            n = int(sel.sum())
            total = total + (err[sel].sum() * (1 / n) if n else err.new_zeros(()))
        return {"loss_quality": total / 3.0}

    def loss_boundary(self, out, span_labels, indices):
        d = out["memory_boundary"].shape[-1] // 2
        pred_l = torch.tanh(out["memory_boundary"][..., :d]).mean(-1)
        pred_r = torch.tanh(out["memory_boundary"][..., d:]).mean(-1)
        mask = out["video_mask"].float()
        b, t = pred_l.shape
        frames = torch.arange(t, device=pred_l.device) + 0.5
        tgt_l, tgt_r = torch.zeros_like(pred_l), torch.zeros_like(pred_r)
        for i, spans in enumerate(span_labels):
            # official: normalised spans scaled by the PADDED length
            for left, right in (span_cxw_to_xx(spans) * t).tolist() if len(spans) else []:
                length = right - left
                tgt_l[i][(frames >= left - length * BOUNDARY_DELTA_OUT)
                         & (frames <= left + length * BOUNDARY_DELTA_IN)] = 1
                tgt_r[i][(frames >= right - length * BOUNDARY_DELTA_IN)
                         & (frames <= right + length * BOUNDARY_DELTA_OUT)] = 1
        n_pad = (1 - mask).sum(-1, keepdim=True)

        def weighted_bce(pred, tgt):
            w = tgt / (tgt.sum(-1, keepdim=True) + 1e-9) + (1 - tgt) / ((1 - tgt).sum(-1, keepdim=True) + n_pad + 1e-9)
            return F.binary_cross_entropy(pred, tgt, reduction="none") * w

        loss = (weighted_bce(pred_l, tgt_l) + weighted_bce(pred_r, tgt_r)) * 0.5
        return {"loss_boundary": ((loss * mask).sum(-1) * 0.5).mean()}

    def loss_saliency(self, out, targets):
        if "saliency_pos_labels" not in targets:
            return {"loss_saliency": out["saliency_scores"].new_zeros(())}
        mask = out["video_mask"].float()
        neg = out["saliency_scores_neg"]
        loss_neg_pair = (-torch.log(1.0 - torch.sigmoid(neg)) * mask).sum(1).mean()

        labels = targets["saliency_all_labels"]
        scores = torch.cat([out["saliency_scores"], neg], 1)
        labels = torch.cat([labels, torch.zeros_like(labels)], 1)
        mask2 = mask.repeat(1, 2)
        scores = mask2 * scores + (1.0 - mask2) * -1e3
        rank_loss = 0.0
        for level in range(1, 12):  # positives: annotator-score sum >= level
            pos = labels >= level
            if pos.sum() == 0:
                continue
            has_pos = pos.sum(1) > 0
            logits = scores / SALIENCY_TAU  # (official "drop mask" never drops: labels are <= 12)
            logits = logits - logits.max(1, keepdim=True)[0]
            log_prob = logits - torch.log(torch.exp(logits).sum(1, keepdim=True) + 1e-6)
            mean_pos = (pos * log_prob * mask2).sum(1) / (pos.sum(1) + 1e-6)
            rank_loss = rank_loss + (-mean_pos * has_pos).mean()
        rank_loss = rank_loss / 12

        sal = out["saliency_scores"]
        pos_idx, neg_idx = targets["saliency_pos_labels"], targets["saliency_neg_labels"]
        rows = torch.arange(len(sal), device=sal.device)[:, None]
        margin = torch.clamp(self.saliency_margin + sal[rows, neg_idx] - sal[rows, pos_idx], min=0)
        margin = margin.sum() / (pos_idx.numel()) * 2
        return {"loss_saliency": margin + rank_loss + loss_neg_pair}

    def layer_losses(self, out, span_labels, indices, last: bool, targets):
        losses = {}
        losses.update(self.loss_spans(out, span_labels, indices))
        losses.update(self.loss_labels(out, span_labels, indices))
        if last:
            losses.update(self.loss_saliency(out, targets))
        losses.update(self.loss_quality(out, span_labels, indices))
        if last:
            losses.update(self.loss_boundary(out, span_labels, indices))
        return losses

    def forward(self, outputs, targets, return_indices: bool = False):
        span_labels = targets["span_labels"]
        indices = self.matcher(outputs, span_labels)
        losses = self.layer_losses(outputs, span_labels, indices, True, targets)
        all_indices = {"main": indices, "aux": []}
        for i, aux in enumerate(outputs.get("aux_outputs", [])):
            aux_idx = self.matcher(aux, span_labels)
            all_indices["aux"].append(aux_idx)
            losses.update({f"{k}_{i}": v
                           for k, v in self.layer_losses(aux, span_labels, aux_idx, False, targets).items()})
        return (losses, all_indices) if return_indices else losses

    def total(self, losses: dict) -> torch.Tensor:
        return sum(losses[k] * w for k, w in self.weight_dict.items() if k in losses)
