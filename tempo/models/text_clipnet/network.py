"""TextClipNet: a (2+1)D clip CNN whose embedding lives in the same space as a caption's, tempo's analogue of
CLIP for its own footage.

Video tower: the (2+1)D body (as ActionClipNet), mean- and max-pooled last map, a linear projection to
``embed_dim``; an auxiliary head predicts which actions cover the window (it teaches motion fast). Text tower:
a two-layer MLP over the frozen sentence embedding (MiniLM, 384-d). Match score of a (clip, caption) pair:
``scale * cos(video, text) + bias`` (a sigmoid of it is the probability the caption describes the clip), as
in SigLIP, so one clip can match many captions and vice versa.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tempo.models.common.conv2plus1d import conv2plus1d_body

DEFAULT_WIDTHS = (32, 64, 128, 256)
DEFAULT_TEMPORAL_STRIDES = (1, 1, 2, 2)


class TextClipNetwork(nn.Module):
    def __init__(self, widths=DEFAULT_WIDTHS, temporal_strides=DEFAULT_TEMPORAL_STRIDES, embed_dim: int = 256,
                 text_dim: int = 384, text_hidden: int = 512, num_actions: int = 13):
        super().__init__()
        self.widths, self.temporal_strides = tuple(int(w) for w in widths), tuple(int(s) for s in temporal_strides)
        self.embed_dim, self.text_dim, self.text_hidden = int(embed_dim), int(text_dim), int(text_hidden)
        self.num_actions = int(num_actions)
        self.body = conv2plus1d_body(self.widths, self.temporal_strides)
        pooled = 2 * self.widths[-1]
        self.video_proj = nn.Linear(pooled, self.embed_dim)
        self.action_head = nn.Linear(pooled, self.num_actions)
        self.text_proj = nn.Sequential(nn.Linear(self.text_dim, self.text_hidden), nn.GELU(),
                                       nn.Linear(self.text_hidden, self.embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(10.0)))
        self.logit_bias = nn.Parameter(torch.tensor(-5.0))

    def hyper_parameters(self) -> dict:
        return {"widths": list(self.widths), "temporal_strides": list(self.temporal_strides),
                "embed_dim": self.embed_dim, "text_dim": self.text_dim, "text_hidden": self.text_hidden,
                "num_actions": self.num_actions}

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        return torch.cat([h.mean(dim=(2, 3, 4)), h.amax(dim=(2, 3, 4))], dim=1)

    def embed_video(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, T, H, W) clips in [-1, 1] -> (B, embed_dim) unit vectors."""
        return F.normalize(self.video_proj(self.pooled(x)), dim=-1)

    def embed_text(self, t: torch.Tensor) -> torch.Tensor:
        """(C, text_dim) sentence embeddings -> (C, embed_dim) unit vectors."""
        return F.normalize(self.text_proj(t), dim=-1)

    def match_logits(self, video: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """Unit embeddings (B, D), (C, D) -> (B, C) logits."""
        return self.logit_scale.exp() * video @ text.t() + self.logit_bias


def clips_to_input(clips) -> torch.Tensor:
    """uint8 RGB clips (B, T, H, W, 3) (numpy or tensor, any device) -> float (B, 3, T, H, W) in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(clips)) if isinstance(clips, np.ndarray) else clips
    return x.permute(0, 4, 1, 2, 3).float().div(127.5).sub(1.0)
