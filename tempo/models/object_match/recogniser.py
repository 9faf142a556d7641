"""ObjectClipNet: what one object is and what it does, from its crop across a feature row's window.

Each frame's crop (RGB + foreground + this object's blob, 48x48 = 96 native pixels at half resolution) goes through
a small 2-D CNN. Attributes (shape / colour / size / texture) and objectness are read from the middle frame's last
map averaged over the object's own blob (so other objects in the crop do not mix in) and over the whole crop; the
action from every frame's flattened last map (the object's place in the crop, hence its motion, is kept), mixed
over time by two temporal convolutions, and (``track_width`` > 0) from the object's track through the crops
(``tracks.crop_tracks``: its shift, mass, spread and colour per frame), which makes moves, scaling, blinking and
colour changes plain to see."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .labels import FACTORS, HEADS
from .tracks import TRACK_FEATURES, crop_tracks

OWN = 4  # the channel of the object's own blob


def crops_to_input(crops) -> torch.Tensor:
    """(B, T, S, S, C) uint8 -> (B, T, C, S, S) float in [-1, 1]."""
    x = torch.as_tensor(crops).permute(0, 1, 4, 2, 3).float()
    return x / 127.5 - 1.0


def _block(c_in, c_out, stride):
    return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class ObjectClipNet(nn.Module):
    def __init__(self, in_channels: int = 5, crop: int = 48, widths=(24, 32, 48, 64), embed: int = 128,
                 temporal: int = 128, track_width: int = 0, frames: int = 8):
        super().__init__()
        layers, c = _block(in_channels, widths[0], 1), widths[0]
        for w in widths[1:]:  # each halves the map: 48 -> 6
            layers += _block(c, w, 2) + _block(w, w, 1)
            c = w
        self.frame_cnn = nn.Sequential(*layers)
        side = crop // 2 ** (len(widths) - 1)
        self.frame_embed = nn.Sequential(nn.Flatten(), nn.Linear(c * side * side, embed), nn.ReLU(inplace=True))
        self.temporal = nn.Sequential(nn.Conv1d(embed, temporal, 3, padding=1), nn.ReLU(inplace=True),
                                      nn.Conv1d(temporal, temporal, 3, padding=1), nn.ReLU(inplace=True))
        self.attributes = nn.Sequential(nn.Linear(2 * c + temporal, 2 * temporal), nn.ReLU(inplace=True))
        self.objectness = nn.Linear(2 * temporal, 1)
        self.track = None
        if track_width:
            self.track = nn.Sequential(
                nn.BatchNorm1d(TRACK_FEATURES), nn.Conv1d(TRACK_FEATURES, track_width, 3, padding=1),
                nn.ReLU(inplace=True), nn.Conv1d(track_width, track_width, 3, padding=1), nn.ReLU(inplace=True),
                nn.Flatten(), nn.Linear(track_width * frames, temporal), nn.ReLU(inplace=True))
        action_in = 2 * temporal if track_width else temporal
        self.heads = nn.ModuleDict({name: nn.Linear(2 * temporal if name in FACTORS else action_in, len(values))
                                    for name, values in HEADS.items()})

    def forward(self, x: torch.Tensor) -> dict:
        """(B, T, C, S, S) -> {"object": (B,), head: (B, classes) logits}."""
        b, t = x.shape[:2]
        maps = self.frame_cnn(x.flatten(0, 1))  # (B*T, c, s, s)
        h = self.temporal(self.frame_embed(maps).view(b, t, -1).transpose(1, 2)).mean(2)  # (B, temporal)
        mid = maps.view(b, t, *maps.shape[1:])[:, t // 2]
        own = F.adaptive_avg_pool2d((x[:, t // 2, OWN:OWN + 1] + 1) / 2, mid.shape[-1])  # blob share per cell
        pooled = (mid * own).sum((2, 3)) / own.sum((2, 3)).clamp_min(1e-3)
        a = self.attributes(torch.cat([pooled, mid.mean((2, 3)), h], 1))
        out = {"object": self.objectness(a).squeeze(1)}
        if self.track is not None:
            tracks = torch.nan_to_num(crop_tracks(x, t // 2)).clamp(-20, 20)
            h = torch.cat([h, self.track(tracks.transpose(1, 2))], 1)
        for name, head in self.heads.items():
            out[name] = head(a if name in FACTORS else h)
        return out
