"""TriDet losses: sigmoid focal loss weighted by IoU^power and the centre-offset 1-D DIoU loss."""
import torch
import torch.nn.functional as F


def sigmoid_focal_loss(logits: torch.Tensor, targets: torch.Tensor, alpha: float = 0.25, gamma: float = 2.0):
    """Element-wise RetinaNet focal loss on logits (no reduction)."""
    logits, targets = logits.float(), targets.float()
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


def _iou_parts(pred: torch.Tensor, target: torch.Tensor, eps: float):
    lp, rp = pred[:, 0].float(), pred[:, 1].float()
    lg, rg = target[:, 0].float(), target[:, 1].float()
    inter = torch.min(rp, rg) + torch.min(lp, lg)
    union = (lp + rp) + (lg + rg) - inter
    return lp, rp, lg, rg, inter / union.clamp(min=eps)


def centre_iou(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """1-D IoU of two segments that share the same anchor point, given (left, right) distances ``[N, 2]``."""
    return _iou_parts(pred, target, eps)[-1]


def centre_diou_loss(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """1 - IoU + (centre distance / enclosing length)^2, per pair (no reduction)."""
    lp, rp, lg, rg, iou = _iou_parts(pred, target, eps)
    enclosing = torch.max(lp, lg) + torch.max(rp, rg)
    rho = 0.5 * (rp - lp - rg + lg)
    return 1.0 - iou + torch.square(rho / enclosing.clamp(min=eps))
