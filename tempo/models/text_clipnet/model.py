"""The mmengine model that trains ``TextClipNetwork``.

Loss: sigmoid cross-entropy of every (window, caption) pair of the batch whose label is decided (positives
and negatives averaged separately, then added: positives are rare among B x C pairs), plus the auxiliary
per-action coverage BCE (weight ``action_weight``).
"""
from __future__ import annotations

import torch.nn.functional as F
from mmengine.model import BaseModel

from tempo.registry import MODELS

from .network import DEFAULT_TEMPORAL_STRIDES, DEFAULT_WIDTHS, TextClipNetwork, clips_to_input


def load_body(network: TextClipNetwork, path) -> None:
    """Start the video tower from a trained ActionClipNet's (2+1)D body (same block layout): it already tells
    the synthetic actions apart, so training here has mostly attributes and binding left to learn."""
    from safetensors.torch import load_file

    prefix = "network.body."
    state = {k[len(prefix):]: v for k, v in load_file(str(path)).items() if k.startswith(prefix)}
    network.body.load_state_dict(state, strict=True)


def load_whole(trainer, path) -> None:
    """Every weight of a trained TextClipNet (strict): the (2+1)D body is fully convolutional, so a network
    trained at one input size continues at another (e.g. 64 -> 128 px) with nothing left untrained."""
    from safetensors.torch import load_file

    trainer.load_state_dict(load_file(str(path)), strict=True)


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
                 init_from: str | None = None, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.network = TextClipNetwork(widths, temporal_strides, embed_dim, text_dim, text_hidden, num_actions)
        if init_body:
            load_body(self.network, init_body)
        if init_from:
            load_whole(self, init_from)
        self.action_weight = float(action_weight)
        self.input_size, self.clip_frames = int(input_size), int(clip_frames)
        self.window_frames, self.stride, self.fps = int(window_frames), int(stride), float(fps)
        self.text_encoder = str(text_encoder)

    def forward(self, clips, text=None, labels=None, own=None, actions=None, mode: str = "tensor"):
        x = clips_to_input(clips)
        pooled = self.network.pooled(x)
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
            return {"loss_match": loss, "loss_action": self.action_weight * act}
        if mode == "predict":
            logits, labels, own = logits.detach().float().cpu(), labels.cpu(), own.cpu()
            return [{"logits": lg, "labels": lb, "own": ow} for lg, lb, ow in zip(logits, labels, own)]
        raise ValueError(f"unknown mode {mode!r} (loss, predict or tensor)")
