"""CLIP text and image encoders through ``transformers`` (open_clip needs torchvision, unusable here).

Weights are always the user's: ``checkpoint`` is either a local Hugging Face folder (``config.json``,
``model.safetensors`` or ``pytorch_model.bin``, and the tokenizer files ``vocab.json`` + ``merges.txt`` or
``tokenizer.json``), or a single checkpoint file (``.safetensors``, or a ``.bin/.pt/.pth`` state dict read with
``weights_only=True``) plus ``config`` (a ``config.json``, a folder holding one, or a dict) and, for text,
``tokenizer`` (a folder). Key names are those of transformers' ``CLIPModel`` (``text_model.*``,
``text_projection.weight``, ``vision_model.*``, ``visual_projection.weight``); a full CLIP checkpoint serves
both towers, each tower loads only its own half. Nothing is ever downloaded: the hub is switched off and every
load is ``local_files_only``. ``allow_random_init=True`` (tests only) builds from ``config`` with random weights.

* ``CLIPText`` (TEXT_ENCODERS): ``encode`` gives the projected, L2-normalised sentence embedding (the space
  CLIP compares images in, ``projection_dim``); ``encode_tokens`` gives the text transformer's last hidden
  states (``hidden_size``; what Moment-DETR's QVHighlights query features hold).
* ``CLIPImage`` (BACKBONES, per-frame): the projected image embedding (``projection_dim``, not normalised; the
  grounding dataset normalises), CLIP's preprocessing (short side to ``image_size``, centre crop, CLIP mean/std).
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..pipeline.fingerprint import stable_hash
from ..registry import BACKBONES, TEXT_ENCODERS
from .base import FrameBackbone, file_weights_id, load_checkpoint_state, prepare_frames
from .text import TextEncoder

CLIP_MEAN = (0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255)
CLIP_STD = (0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255)
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


def _offline():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder must never trigger a hub call
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def load_clip_config(config):
    """A ``CLIPConfig`` from a dict, a config.json or a folder holding one (full CLIP, text- or vision-only)."""
    from transformers import CLIPConfig

    if isinstance(config, (str, Path)):
        path = Path(config)
        path = path / "config.json" if path.is_dir() else path
        if not path.is_file():
            raise InputError(path, "CLIP config.json not found")
        config = json.loads(path.read_text())
    config = dict(config)
    kind = config.get("model_type", "clip")
    if kind == "clip_text_model":  # a text-only folder: its projection size is its own
        config = {"text_config": config, "projection_dim": config.get("projection_dim", 512)}
    elif kind == "clip_vision_model":
        config = {"vision_config": config, "projection_dim": config.get("projection_dim", 512)}
    elif kind != "clip":
        raise UsageError(f"not a CLIP config (model_type {kind!r})")
    return CLIPConfig.from_dict(config)


def load_state(path) -> dict:
    """A state dict from a HF folder or one file, never unpickling arbitrary objects."""
    from safetensors.torch import load_file

    path = Path(path)
    if path.is_dir():
        found = [path / name for name in WEIGHT_FILES if (path / name).is_file()]
        if not found:
            raise InputError(path, f"no CLIP weights in folder (looked for {', '.join(WEIGHT_FILES)})")
        path = found[0]
        if path.name.endswith(".index.json"):  # sharded safetensors
            shards = sorted(set(json.loads(path.read_text())["weight_map"].values()))
            return {k: v for shard in shards for k, v in load_file(path.parent / shard).items()}
    if not path.is_file():
        raise InputError(path, "CLIP checkpoint not found")
    if path.suffix == ".safetensors":
        return load_file(path)
    return load_checkpoint_state(path)


class CLIPWeights:
    """Where one CLIP tower's config and weights come from, and building that tower."""

    def __init__(self, checkpoint=None, config=None, allow_random_init: bool = False, seed: int = 0):
        if checkpoint is None and not allow_random_init:
            raise UsageError("CLIP needs weights: --checkpoint a local Hugging Face CLIP folder or a checkpoint file "
                             "(random weights, tests only, with --allow-random-init; allow_random_init=True in Python)")
        if checkpoint is None and config is None:
            raise UsageError("CLIP with random weights needs a config (dict, config.json or folder)")
        if checkpoint is not None and config is None and not Path(checkpoint).is_dir():
            raise UsageError(f"{checkpoint}: a single CLIP checkpoint file needs config=config.json or a folder")
        self.checkpoint = None if checkpoint is None else str(checkpoint)
        self.config_source = config if config is not None else self.checkpoint
        self.config = load_clip_config(self.config_source)
        self.seed = seed

    def weights_id(self) -> str:
        cfg = stable_hash(self.config.to_dict())
        if self.checkpoint is None:
            return f"random:{self.seed}:{cfg}"
        path = Path(self.checkpoint)
        files = [path / n for n in WEIGHT_FILES if (path / n).is_file()] if path.is_dir() else [path]
        if files and files[0].name.endswith(".index.json"):
            shards = sorted(set(json.loads(files[0].read_text())["weight_map"].values()))
            files += [path / s for s in shards]
        return ":".join([file_weights_id(f) for f in files] + [cfg])

    def build(self, tower: str):
        """``tower`` "text" or "vision": the tower with its projection, in eval mode, weights loaded."""
        import torch
        from transformers import CLIPTextModelWithProjection, CLIPVisionModelWithProjection

        _offline()
        if tower == "text":
            sub, cls, prefixes = (self.config.text_config, CLIPTextModelWithProjection,
                                  ("text_model.", "text_projection."))
        else:
            sub, cls, prefixes = (self.config.vision_config, CLIPVisionModelWithProjection,
                                  ("vision_model.", "visual_projection."))
        sub.projection_dim = self.config.projection_dim  # CLIPConfig keeps the shared size at the top level
        torch.manual_seed(self.seed)
        model = cls(sub)
        if self.checkpoint is not None:
            state = {k: v for k, v in load_state(self.checkpoint).items() if k.startswith(prefixes)}
            result = model.load_state_dict(state, strict=False)
            if result.missing_keys:
                raise InputError(self.checkpoint, f"checkpoint does not fit this CLIP {tower} tower: "
                                 f"{len(result.missing_keys)} weights missing (e.g. {result.missing_keys[0]})")
            # unexpected keys left are old non-persistent buffers (position_ids): harmless
        return model.eval().requires_grad_(False)


@TEXT_ENCODERS.register_module()
class CLIPText(TextEncoder):
    """CLIP's text tower (transformers), user-supplied weights, offline.

    Args:
        checkpoint: a local HF CLIP folder (weights + tokenizer) or a checkpoint file.
        config: config.json / folder / dict (needed for a checkpoint file or random init).
        tokenizer: folder with the tokenizer files (default: the checkpoint folder).
        allow_random_init: random weights (tests only: embeddings mean nothing).
    """

    def __init__(self, checkpoint=None, config=None, tokenizer=None, allow_random_init: bool = False,
                 seed: int = 0, batch_size: int = 64):
        self.weights = CLIPWeights(checkpoint, config, allow_random_init, seed)
        self.tokenizer_dir = tokenizer or (checkpoint if checkpoint and Path(checkpoint).is_dir() else None)
        if self.tokenizer_dir is None:
            raise UsageError("CLIPText needs tokenizer=a folder with vocab.json + merges.txt or tokenizer.json")
        self.feature_dim = self.weights.config.projection_dim
        self.token_dim = self.weights.config.text_config.hidden_size
        self.max_length = self.weights.config.text_config.max_position_embeddings
        self.batch_size = batch_size
        self._parts = None
        self._lock = threading.Lock()

    def weights_id(self) -> str:
        return self.weights.weights_id()

    @property
    def parts(self):
        with self._lock:
            if self._parts is None:
                from transformers import CLIPTokenizer

                _offline()
                tok = CLIPTokenizer.from_pretrained(str(self.tokenizer_dir), local_files_only=True)
                self._parts = (tok, self.weights.build("text"))
        return self._parts

    def _run(self, texts: list[str], max_length: int):
        import torch

        tok, model = self.parts
        for start in range(0, len(texts), self.batch_size):
            batch = tok(list(texts[start:start + self.batch_size]), padding=True, truncation=True,
                        max_length=max_length, return_tensors="pt")
            with torch.inference_mode():
                yield model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]), batch

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        outs = [out.text_embeds for out, _ in self._run(texts, self.max_length)]
        if not outs:
            return np.zeros((0, self.feature_dim), np.float32)
        emb = torch.nn.functional.normalize(torch.cat(outs).float(), dim=-1)
        return emb.numpy().reshape(len(texts), self.feature_dim)

    def encode_tokens(self, texts: list[str], max_tokens: int = 32) -> tuple[np.ndarray, np.ndarray]:
        # the text tower is causal: truncating before the forward pass equals truncating after it
        runs = [(out.last_hidden_state.float().numpy(), batch["attention_mask"].numpy().astype(bool))
                for out, batch in self._run(texts, min(max_tokens, self.max_length))]
        length = max([m.shape[1] for _, m in runs] + [1])
        feats = np.zeros((len(texts), length, self.token_dim), np.float32)
        mask = np.zeros((len(texts), length), bool)
        row = 0
        for hidden, m in runs:
            n, w = m.shape
            feats[row:row + n, :w] = hidden * m[..., None]
            mask[row:row + n, :w] = m
            row += n
        return feats, mask


@BACKBONES.register_module()
class CLIPImage(FrameBackbone):
    """CLIP's image tower as a per-frame backbone: ``projection_dim`` features in the space of ``CLIPText``.

    Args as ``CLIPText`` (no tokenizer). ``tempo extract --backbone CLIPImage --checkpoint DIR``.
    """

    mean = CLIP_MEAN
    std = CLIP_STD

    def __init__(self, checkpoint=None, config=None, allow_random_init: bool = False, seed: int = 0,
                 batch_size: int = 32):
        super().__init__()
        self.weights = CLIPWeights(checkpoint, config, allow_random_init, seed)
        self.feature_dim = self.weights.config.projection_dim
        self.input_size = self.weights.config.vision_config.image_size
        self.batch_size = batch_size

    def weights_id(self) -> str:
        return self.weights.weights_id()

    def describe(self) -> dict:
        # the folder travels into each feature file's .json: a search bundle trained on them names it
        path = self.weights.checkpoint
        return {**super().describe(), "checkpoint": str(Path(path).resolve()) if path else None}

    def load_model(self):
        self._loaded_id = self.weights_id()
        return self.weights.build("vision")

    def _drop_stale_model(self) -> None:
        """Weights replaced on disk since loading (a long-running demo): the stage keys features by the new
        weights' hash, so they must come from the new weights, never from the model still in memory."""
        if self._model is not None and self.weights_id() != getattr(self, "_loaded_id", None):
            with self._lock:
                self._model = None

    def forward_frames(self, frames: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) uint8 RGB -> (N, projection_dim) float32; frames that are not image_size² are resized
        (short side) and centre-cropped (the position embeddings are fixed to that grid)."""
        import torch

        self._drop_stale_model()
        if frames.shape[1:3] != (self.input_size, self.input_size):
            frames = prepare_frames(frames, self.input_size, self.input_size)
        outs = []
        with torch.inference_mode():
            for start in range(0, len(frames), self.batch_size):
                x = self.normalise(frames[start:start + self.batch_size])
                outs.append(self.model(pixel_values=x).image_embeds.float())
        if not outs:
            return np.zeros((0, self.feature_dim), np.float32)
        return torch.cat(outs).numpy()
