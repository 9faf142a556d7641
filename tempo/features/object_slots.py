"""``ObjectSlots``: per feature row, the objects of the synthetic scenes and what each is and does (the object
stage, ``tempo.models.object_match``), as ``MAX_OBJECTS`` slots of probabilities. The default grounder stacks
these beside TextClipNet's rows and turns them into query match columns when a query comes
(``tempo.models.object_match.match``). Weights: the bundled segmenter and recogniser, or ``segmenter=`` /
``recogniser=`` tempo exports."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..registry import BACKBONES
from .base import ClipBackbone, file_weights_id, fit_clips, weights_file

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
BUNDLED_SEGMENTER = WEIGHTS / "object_foreground_synth.safetensors"
BUNDLED_RECOGNISER = WEIGHTS / "object_clipnet_synth.safetensors"


@BACKBONES.register_module()
class ObjectSlots(ClipBackbone):
    """(K, T, H, W, 3) uint8 RGB clips -> (K, MAX_OBJECTS * SLOT_DIM) float32 slots."""

    area_resize = True  # trained on the renderer's full-size frames: shrink like TextClipNet when a video is larger
    num_frames = 8
    input_size = 224

    def __init__(self, segmenter: str | None = None, recogniser: str | None = None):
        from ..models.object_match.slots import SLOTS_DIM

        super().__init__()
        self.segmenter = weights_file(segmenter, BUNDLED_SEGMENTER, "object segmenter")
        self.recogniser = weights_file(recogniser, BUNDLED_RECOGNISER, "object recogniser")
        self.feature_dim = SLOTS_DIM

    def weights_id(self) -> str:
        return f"{file_weights_id(self.segmenter)}+{file_weights_id(self.recogniser)}"

    def load_model(self):
        import torch

        from ..models.object_match.export import load_stage_model

        return torch.nn.ModuleDict({"segmenter": load_stage_model(self.segmenter).network,
                                    "recogniser": load_stage_model(self.recogniser).network})

    def forward_clips(self, clips: np.ndarray) -> np.ndarray:
        from ..models.object_match.slots import foreground_maps, slot_rows

        clips = fit_clips(clips, self.num_frames, self.input_size)
        k, t = clips.shape[:2]
        # neighbouring windows share most frames: segment each distinct frame once
        keys = [hashlib.blake2b(f.tobytes(), digest_size=16).digest() for f in clips.reshape(-1, *clips.shape[2:])]
        first = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        unique = sorted(set(first.values()))
        maps = foreground_maps(self.model["segmenter"], clips.reshape(-1, *clips.shape[2:])[unique])
        where = {i: j for j, i in enumerate(unique)}
        fg = maps[[where[first[key]] for key in keys]].reshape(k, t, *maps.shape[1:])
        return slot_rows(self.model["recogniser"], list(zip(clips, fg)), t // 2)
