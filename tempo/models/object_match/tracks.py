"""The track of one object through its crops: per frame, where its foreground mass is, how much of it there is, how
it is spread and what colour it has, each relative to the middle frame.

Why by hand: moves, scaling, blinking and colour changes are a few pixels or a few percent over a feature row's
window; the recogniser's CNN learned them poorly from 12k samples (move left/right/up/down 0-33 %, shrink 0 %),
while these few numbers make them nearly linear. The object is followed from its own blob in the middle frame
outwards, frame by frame, through a soft disc around its last place, twice its last spread wide (a soft tracker; no
library offers one for batches of foreground maps)."""
from __future__ import annotations

import torch

FG, OWN = 3, 4  # crop channels: foreground probability, the object's own blob in the middle frame
TRACK_FEATURES = 12
VISIBLE = 0.2  # share of the middle frame's mass below which the object is hidden and its last place is kept


def _moments(w: torch.Tensor, yy: torch.Tensor, xx: torch.Tensor) -> torch.Tensor:
    """(B, S, S) weights -> (B, 6): mass, centre y, x, variances yy, xx and covariance xy."""
    m = w.sum((1, 2)).clamp_min(1e-4)
    cy, cx = (w * yy).sum((1, 2)) / m, (w * xx).sum((1, 2)) / m
    dy, dx = yy - cy[:, None, None], xx - cx[:, None, None]
    var = [(w * a * b).sum((1, 2)) / m for a, b in ((dy, dy), (dx, dx), (dy, dx))]
    return torch.stack([m, cy, cx, *var], 1)


def crop_tracks(x: torch.Tensor, mid: int, reach: float = 2.0) -> torch.Tensor:
    """(B, T, C, S, S) crops in [-1, 1] -> (B, T, TRACK_FEATURES): log mass ratio, centre shift (y, x), log spread
    ratio, elongation (yy - xx, 2 xy over the spread), colour shift (RGB) and colour (RGB)."""
    b, t, _, s, _ = x.shape
    fg = (x[:, :, FG] + 1) / 2
    rgb = (x[:, :, :3] + 1) / 2
    axis = (torch.arange(s, dtype=x.dtype, device=x.device) + 0.5) / s * 2 - 1
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    weights = [None] * t
    weights[mid] = fg[:, mid] * (x[:, mid, OWN] + 1) / 2
    moments = [None] * t
    moments[mid] = _moments(weights[mid], yy, xx)
    cell = 2.0 / s
    for frames in (range(mid + 1, t), range(mid - 1, -1, -1)):
        last = moments[mid]
        for i in frames:
            # a disc of radius reach x the rms radius (a disc's rms radius is 0.71 of its radius) + 2 cells
            radius = reach * (last[:, 3] + last[:, 4]).sqrt() + 2 * cell
            d = ((yy - last[:, 1, None, None]) ** 2 + (xx - last[:, 2, None, None]) ** 2).sqrt()
            weights[i] = fg[:, i] * torch.sigmoid((radius[:, None, None] - d) / cell)
            now = _moments(weights[i], yy, xx)
            seen = now[:, :1] > VISIBLE * moments[mid][:, :1]
            moments[i] = torch.cat([now[:, :1], torch.where(seen, now[:, 1:], last[:, 1:])], 1)
            last = moments[i]
    m = torch.stack(moments, 1)  # (B, T, 6)
    colour = torch.stack([(w[:, None] * rgb[:, i]).sum((2, 3)) for i, w in enumerate(weights)], 1)
    colour = colour / m[..., :1]
    spread = (m[..., 3] + m[..., 4]).clamp_min(1e-6)
    mid_m = m[:, mid:mid + 1]
    return torch.cat([
        torch.log(m[..., :1] / mid_m[..., :1]),
        (m[..., 1:3] - mid_m[..., 1:3]) * 4,  # a quarter crop -> 1
        torch.log(spread / spread[:, mid:mid + 1])[..., None],
        ((m[..., 3] - m[..., 4]) / spread)[..., None],
        (2 * m[..., 5] / spread)[..., None],
        (colour - colour[:, mid:mid + 1]) * 4,
        colour], 2)
