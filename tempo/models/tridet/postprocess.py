"""Inference post-processing: per-level candidate selection, NMS, conversion from feature grid to seconds."""
import torch

from .nms import batched_nms


def select_candidates(cls_logits, decoded, points, masks, num_classes: int, pre_nms_thresh: float,
                      pre_nms_topk: int, duration_thresh: float):
    """One video. Per level: cls ``[T, C]``, decoded ``[C, T, 2]``, points ``[T, 4]``, mask ``[T]``.

    Keeps prob > thresh, the top-k per level (descending), and segments longer than ``duration_thresh`` grid units;
    levels are concatenated in order (segments in feature-grid units).
    """
    segs, scores, labels = [], [], []
    for cls_i, dec_i, pts_i, mask_i in zip(cls_logits, decoded, points, masks):
        prob = (cls_i.sigmoid() * mask_i.unsqueeze(-1)).flatten()
        keep = prob > pre_nms_thresh
        prob = prob[keep]
        flat_idx = keep.nonzero(as_tuple=True)[0]
        num = min(pre_nms_topk, flat_idx.shape[0])
        prob, order = prob.sort(descending=True)
        prob = prob[:num].clone()
        flat_idx = flat_idx[order[:num]].clone()
        pt = torch.div(flat_idx, num_classes, rounding_mode="floor")
        cls = torch.fmod(flat_idx, num_classes)
        off = dec_i[cls, pt]
        p = pts_i[pt]
        left = p[:, 0] - off[:, 0] * p[:, 3]
        right = p[:, 0] + off[:, 1] * p[:, 3]
        long_enough = (right - left) > duration_thresh
        segs.append(torch.stack((left, right), -1)[long_enough])
        scores.append(prob[long_enough])
        labels.append(cls[long_enough])
    return {"segments": torch.cat(segs), "scores": torch.cat(scores), "labels": torch.cat(labels)}


def run_nms(cands: dict, test_cfg: dict) -> dict:
    """Apply the configured NMS ('soft' | 'hard' | 'none') to grid-unit candidates."""
    segs, scores, labels = (cands[k].detach().cpu() for k in ("segments", "scores", "labels"))
    if test_cfg["nms_method"] != "none":
        segs, scores, labels = batched_nms(
            segs, scores, labels, test_cfg["iou_threshold"], test_cfg["min_score"], test_cfg["max_seg_num"],
            use_soft_nms=test_cfg["nms_method"] == "soft", multiclass=test_cfg["multiclass_nms"],
            sigma=test_cfg["nms_sigma"], voting_thresh=test_cfg["voting_thresh"])
    return {"segments": segs, "scores": scores, "labels": labels}


def grid_to_seconds(segs: torch.Tensor, feat_stride: float, num_frames: float, fps: float, duration: float):
    """Feature-grid -> seconds, clipped to [0, duration] (official arithmetic: values <= 0 become -0.0)."""
    if segs.shape[0] == 0:
        return segs
    segs = (segs * feat_stride + 0.5 * num_frames) / fps
    segs[segs <= 0.0] *= 0.0
    over = segs >= duration
    segs[over] = segs[over] * 0.0 + duration
    return segs
