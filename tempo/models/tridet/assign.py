"""Label assignment: which points learn which ground-truth action (centre sampling, regression ranges,
shortest action wins)."""
import torch
import torch.nn.functional as F


@torch.no_grad()
def assign_video(points: torch.Tensor, segments: torch.Tensor, labels: torch.Tensor, num_classes: int,
                 center_sample: str = "radius", radius: float = 1.5):
    """points ``[P, 4]`` (t, low, high, stride), segments ``[N, 2]`` grid units, labels ``[N]``.

    Returns cls targets ``[P, C]`` (0/1; every GT within 1e-3 of the shortest length counts) and regression
    targets ``[P, 2]`` = (t - start, end - t) / stride of the first shortest GT.
    """
    num_pts = points.shape[0]
    if segments.shape[0] == 0:
        return segments.new_zeros((num_pts, num_classes)), segments.new_zeros((num_pts, 2))
    t, low, high, stride = (points[:, i, None] for i in range(4))
    start, end = segments[None, :, 0], segments[None, :, 1]
    left, right = t - start, end - t
    reg = torch.stack((left, right), dim=-1)  # [P, N, 2]
    if center_sample == "radius":
        centre = 0.5 * (start + end)
        inside_left = t - torch.maximum(centre - stride * radius, start)
        inside_right = torch.minimum(centre + stride * radius, end) - t
        inside = torch.minimum(inside_left, inside_right) > 0
    else:
        inside = reg.min(-1).values > 0
    max_dist = reg.max(-1).values
    in_range = (max_dist >= low) & (max_dist <= high)
    lengths = (end - start).expand(num_pts, -1).clone()
    lengths.masked_fill_(~(inside & in_range), float("inf"))
    min_len, min_idx = lengths.min(dim=1)
    # Near-equal lengths (e.g. THUMOS CliffDiving inside Diving) all count as positives.
    tied = ((lengths <= min_len[:, None] + 1e-3) & (lengths < float("inf"))).to(reg.dtype)
    cls_targets = (tied @ F.one_hot(labels, num_classes).to(reg.dtype)).clamp_(0.0, 1.0)
    reg_targets = reg[torch.arange(num_pts), min_idx] / points[:, 3, None]
    return cls_targets, reg_targets
