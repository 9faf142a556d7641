"""The mmengine model that trains ``TextClipNetwork``.

Loss: sigmoid cross-entropy of every (window, caption) pair of the batch whose label is decided (positives
and negatives averaged separately, then added: positives are rare among B x C pairs), plus the auxiliary
per-action coverage BCE (weight ``action_weight``), plus — with ``object_weight`` > 0 — dense per-cell
cross-entropies of what object covers each cell of the last map, its attributes and its action
(``object_maps``; a 1x1 convolution over the time-averaged map, used in training only).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from tempo.registry import MODELS

from .network import DEFAULT_TEMPORAL_STRIDES, DEFAULT_WIDTHS, TextClipNetwork, clips_to_input
from .object_maps import HEAD_SIZES


def load_body(network: TextClipNetwork, path) -> None:
    """Start the video tower from a trained ActionClipNet's (2+1)D body (same block layout): it already tells
    the synthetic actions apart, so training here has mostly attributes and binding left to learn."""
    from safetensors.torch import load_file

    prefix = "network.body."
    state = {k[len(prefix):]: v for k, v in load_file(str(path)).items() if k.startswith(prefix)}
    network.body.load_state_dict(state, strict=True)


def load_whole(trainer, path) -> None:
    """Every weight of a trained TextClipNet (strict): the (2+1)D body is fully convolutional, so a network
    trained at one input size continues at another (e.g. 64 -> 128 px) with nothing left untrained. Only the
    training-time object head may be missing (it starts fresh)."""
    from safetensors.torch import load_file

    missing, unexpected = trainer.load_state_dict(load_file(str(path)), strict=False)
    missing = [k for k in missing if not k.startswith("object_head.")]
    unexpected = [k for k in unexpected if not k.startswith("object_head.")]
    if missing or unexpected:
        raise RuntimeError(f"{path}: not a TextClipNet of this layout (missing {missing[:3]}, "
                           f"unexpected {unexpected[:3]})")


@MODELS.register_module()
class TextClipNetTrainer(BaseModel):
    """``mode="loss"`` -> losses; ``"predict"`` -> per window: the logits against the batch's captions, their
    labels and which are the window's own (for ``CaptionMatchAP``). ``input_size``, ``clip_frames``,
    ``window_frames``, ``stride`` and ``text_encoder`` travel in the exported config to the feature backbone.
    ``init_body``: an ActionClipNet checkpoint whose body starts the video tower (training only); ``init_from``:
    a TextClipNet checkpoint that starts the whole network (training only; its input size need not match)."""

    def __init__(self, widths=DEFAULT_WIDTHS, temporal_strides=DEFAULT_TEMPORAL_STRIDES, embed_dim: int = 256,
                 text_dim: int = 384, text_hidden: int = 512, num_actions: int = 13, action_weight: float = 0.5,
                 input_size: int = 96, clip_frames: int = 8, window_frames: int = 16, stride: int = 4,
                 fps: float = 15.0, text_encoder: str = "MiniLM", init_body: str | None = None,
                 init_from: str | None = None, object_weight: float = 0.0, data_preprocessor=None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.network = TextClipNetwork(widths, temporal_strides, embed_dim, text_dim, text_hidden, num_actions)
        self.object_weight = float(object_weight)
        if self.object_weight > 0:
            self.object_head = nn.Conv2d(self.network.widths[-1], sum(HEAD_SIZES.values()), 1)
        if init_body:
            load_body(self.network, init_body)
        if init_from:
            load_whole(self, init_from)
        self.action_weight = float(action_weight)
        self.input_size, self.clip_frames = int(input_size), int(clip_frames)
        self.window_frames, self.stride, self.fps = int(window_frames), int(stride), float(fps)
        self.text_encoder = str(text_encoder)

    def forward(self, clips, text=None, labels=None, own=None, actions=None, cover=None, objects=None,
                mode: str = "tensor"):
        x = clips_to_input(clips)
        h = self.network.body(x)
        pooled = self.network.pool(h)
        video = F.normalize(self.network.video_proj(pooled), dim=-1)
        if mode == "tensor":
            return video
        logits = self.network.match_logits(video, self.network.embed_text(text.float()))
        if mode == "loss":
            labels = labels.to(logits.device)
            pos, neg = labels == 1, labels == 0
            bce = F.binary_cross_entropy_with_logits(logits, pos.float(), reduction="none")
            loss = (bce[pos].mean() if pos.any() else logits.sum() * 0) + bce[neg].mean()
            act = F.binary_cross_entropy_with_logits(self.network.action_head(pooled), actions.float())
            losses = {"loss_match": loss, "loss_action": self.action_weight * act}
            if self.object_weight > 0 and objects is not None:
                losses["loss_objects"] = self.object_weight * self.object_loss(h, objects.to(h.device))
            return losses
        if mode == "predict":
            logits, labels, own = logits.detach().float().cpu(), labels.cpu(), own.cpu()
            return [{"logits": lg, "labels": lb, "own": ow} for lg, lb, ow in zip(logits, labels, own)]
        raise ValueError(f"unknown mode {mode!r} (loss, predict or tensor)")

    def object_loss(self, h: torch.Tensor, objects: torch.Tensor) -> torch.Tensor:
        """Mean over the five heads of the per-cell cross-entropy (cells labelled -1 ignored)."""
        logits = self.object_head(h.mean(dim=2))  # (B, sum(HEAD_SIZES), g, g)
        if logits.shape[-2:] != objects.shape[-2:]:
            raise ValueError(f"object maps are {tuple(objects.shape[-2:])}, the network's last map "
                             f"{tuple(logits.shape[-2:])}: set the dataset's object_grid to input_size / 16")
        total, start = 0.0, 0
        for k, size in enumerate(HEAD_SIZES.values()):
            target = objects[:, k]
            part = logits[:, start:start + size]
            start += size
            if (target >= 0).any():
                total = total + F.cross_entropy(part, target, ignore_index=-1)
        return total / len(HEAD_SIZES)
