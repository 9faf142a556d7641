"""mmengine ``BaseModel`` wrapper to train OPN on clips with synthetic holes.

One sample = a short clip [T,3,H,W] in [0,1] and its holes [T,1,H,W]: frame 0 is the target, frames
1..T-1 are the memory (each with its own holes, as at inference). The full onion-peel loop runs with
gradients (the peel rings are data-independent given the mask, so this is the inference computation).

Loss (no downloadable VGG, so no perceptual/style terms of the paper): L1 on the hole pixels
(weight ``hole_weight``, the paper's 6) plus an L1 on image gradients inside the dilated hole, which
penalises the blur an L1-only model converges to. The valid pixels are copied through by the peel
composite, so the paper's valid-L1 term is identically zero here and is omitted.

``autoencoder_iters``: the first N training steps are a warm-up instead (``warmup.py``): encoder + decoder as
an autoencoder of the clips' clean frames, plus ``match_weight`` x a cross-entropy that teaches the keys to
find a position in a copy of the target frame with other holes. Measured on CPU (README, "Completion quality").
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from ...registry import MODELS
from .opn import OPN
from .layers import IMAGENET_MEAN, init_for_training
from .opn import Memory
from .preprocess import distance_map
from .warmup import autoencoder_loss, key_match_loss


def _grad(x: torch.Tensor):
    return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]


@MODELS.register_module(name="OnionPeelOPNTrainer")
class OPNTrainer(BaseModel):
    def __init__(self, opn: dict | None = None, hole_weight: float = 6.0, grad_weight: float = 1.0,
                 he_init: bool = True, autoencoder_iters: int = 0, match_weight: float = 0.0,
                 data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.opn = OPN(**(opn or {}))
        if he_init:  # PyTorch's default init leaves the encoder's features ~0 (see init_for_training); False =
            init_for_training(self.opn)  # the default init the shipped default weights were trained from
        if self.opn.prefill:  # start as the prefill itself: a zero correction, so training starts from Telea
            torch.nn.init.zeros_(self.opn.Decoder.conv21.input_conv.weight)
            torch.nn.init.zeros_(self.opn.Decoder.conv21.input_conv.bias)
        self.hole_weight, self.grad_weight = hole_weight, grad_weight
        if autoencoder_iters and self.opn.prefill:  # there the decoder predicts a correction: nothing to decode
            raise ValueError("autoencoder_iters needs the official mean-fill mode (prefill=None)")
        self.autoencoder_iters, self.match_weight = autoencoder_iters, match_weight
        # training forward passes so far (mmengine gives the model no iteration count; a resumed run warms up again)
        self.steps = 0

    def _complete(self, clip: torch.Tensor, holes: torch.Tensor) -> torch.Tensor:
        mean = torch.tensor(IMAGENET_MEAN, device=clip.device).view(1, 3, 1, 1)
        frames, dists = [], []
        for f, h in zip(clip, holes):
            h = h[None]
            frames.append(f[None] * (1 - h) + h * mean)  # the ground truth never enters the hole
            dists.append(torch.from_numpy(distance_map(h[0, 0].cpu().numpy() > 0.5)).to(clip.device)[None, None])
        memory = Memory.concat([self.opn.readable(*self.opn.memorize(frames[m], 1 - holes[m][None], dists[m]))
                                for m in range(1, len(frames))], self.opn.channels)
        out, _ = self.opn.complete(memory, frames[0], 1 - holes[0][None], dists[0], local_window=False)
        return out

    def _warmup_losses(self, inputs, holes) -> dict:
        losses = {"loss_autoencoder": autoencoder_loss(self.opn, torch.cat(list(inputs)))}
        if self.match_weight > 0:
            # the target frame against a copy of itself holed by the next frame's mask
            matches = [key_match_loss(self.opn, c[:1], h[:1], h[1:2]) for c, h in zip(inputs, holes) if len(c) > 1]
            matches = [m for m in matches if m is not None]
            losses["loss_match"] = self.match_weight * (torch.stack(matches).mean() if matches
                                                        else 0.0 * losses["loss_autoencoder"])
        return losses

    def forward(self, inputs, holes=None, mode: str = "loss"):
        # inputs: list (batch) of clips [T,3,H,W]; holes: list of [T,1,H,W]
        if mode == "loss" and self.training:
            self.steps += 1
            if self.steps <= self.autoencoder_iters:
                return self._warmup_losses(inputs, holes)
        outs = [self._complete(c, h) for c, h in zip(inputs, holes)]
        if mode != "loss":
            return outs
        l_hole, l_grad = 0.0, 0.0
        for out, clip, h in zip(outs, inputs, holes):
            target, hole = clip[:1], h[:1]
            l_hole = l_hole + (torch.abs(out - target) * hole).sum() / (3 * hole.sum()).clamp(min=1)
            near = (F.max_pool2d(hole, 3, 1, 1) > 0).float()
            gx_o, gy_o = _grad(out)
            gx_t, gy_t = _grad(target)
            mx, my = near[..., :, 1:], near[..., 1:, :]
            l_grad = l_grad + ((gx_o - gx_t).abs() * mx).sum() / (3 * mx.sum()).clamp(min=1) \
                + ((gy_o - gy_t).abs() * my).sum() / (3 * my.sum()).clamp(min=1)
        n = len(outs)
        return {"loss_hole": self.hole_weight * l_hole / n, "loss_grad": self.grad_weight * l_grad / n}
