"""``TextClipNet`` / ``TextClipText``: tempo's text-aligned clip encoder (``tempo.models.text_clipnet``) as a
feature backbone and as the query encoder of the same space, like CLIP's image and text towers.

The backbone embeds each window (``window_frames`` frames, seen as ``clip_frames`` at ``input_size`` px, as in
training) into a unit vector; the text encoder maps a sentence through the frozen MiniLM and the trained
projection into the same space, so ``sigmoid(scale * cos + bias)`` (``match_probability``) says how likely the
sentence describes the window. Weights: ``checkpoint=`` a tempo export, default the bundled
``tempo/weights/text_clipnet_synth.safetensors``.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..registry import BACKBONES, TEXT_ENCODERS
from .base import TempoClipBackbone, file_weights_id, fit_clips, weights_file
from .text import MiniLM, TextEncoder

BUNDLED_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "text_clipnet_synth.safetensors"


def _weights(checkpoint) -> Path:
    return weights_file(checkpoint, BUNDLED_WEIGHTS, "TextClipNet")


@BACKBONES.register_module()
class TextClipNet(TempoClipBackbone):
    """(K, T, H, W, 3) uint8 RGB clips -> (K, embed_dim) float32 unit embeddings."""

    # trained on frames shrunk with cv2's area filter (tempo.models.text_clipnet.frames.fit_square); the
    # decoder's scaler moved rows of a seed-1 test video to cosine 0.88 of the trained input, area-resizing the
    # decoded full-size frames to 0.97 (only the codec left)
    area_resize = True

    def weights_id(self) -> str:  # the input convention is part of what the features mean
        return f"{super().weights_id()}:area-resize"

    def __init__(self, checkpoint: str | None = None, batch_size: int = 32):
        from ..models.text_clipnet.export import read_config  # late: models import tempo.features

        super().__init__(checkpoint, BUNDLED_WEIGHTS, "TextClipNet", read_config)
        self.num_frames = int(self.config["clip_frames"])
        self.input_size = int(self.config["input_size"])
        self.feature_dim = int(self.config["embed_dim"])
        self.batch_size = batch_size

    def load_model(self):
        from ..models.text_clipnet.export import load_text_clipnet

        return load_text_clipnet(self.checkpoint).network

    def forward_clips(self, clips: np.ndarray) -> np.ndarray:
        import torch

        from ..models.text_clipnet.network import clips_to_input

        clips = fit_clips(clips, self.num_frames, self.input_size)
        if len(clips) == 0:
            return np.zeros((0, self.feature_dim), np.float32)
        with torch.inference_mode():
            outs = [self.model.embed_video(clips_to_input(clips[s:s + self.batch_size]))
                    for s in range(0, len(clips), self.batch_size)]
        return torch.cat(outs).float().numpy()


@TEXT_ENCODERS.register_module()
class TextClipText(TextEncoder):
    """Sentences -> (N, embed_dim) unit embeddings in TextClipNet's space (MiniLM, then the trained projection).
    Token features (``encode_tokens``) are MiniLM's own, for heads that attend over words."""

    def __init__(self, checkpoint: str | None = None, minilm_dir: str | None = None):
        from ..models.text_clipnet.export import read_config

        self.checkpoint = _weights(checkpoint)
        self.config = read_config(self.checkpoint)
        if self.config.get("text_encoder", "MiniLM") != "MiniLM":
            raise InputError(self.checkpoint, f"text tower trained on {self.config['text_encoder']}, not MiniLM")
        self.feature_dim = int(self.config["embed_dim"])
        self.minilm = MiniLM(minilm_dir)
        self._network = None
        self._lock = threading.Lock()

    def weights_id(self) -> str:
        return f"{file_weights_id(self.checkpoint)}:{self.minilm.weights_id()}"

    @property
    def network(self):
        with self._lock:
            if self._network is None:
                from ..models.text_clipnet.export import load_text_clipnet

                self._network = load_text_clipnet(self.checkpoint).network
        return self._network

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            emb = self.network.embed_text(torch.from_numpy(self.minilm.encode(list(texts))))
        return emb.float().numpy()

    def encode_tokens(self, texts: list[str], max_tokens: int = 32) -> tuple[np.ndarray, np.ndarray]:
        return self.minilm.encode_tokens(texts, max_tokens)

    def encode_query_tokens(self, texts: list[str], max_tokens: int = 32) -> list[np.ndarray]:
        """Per sentence, the tokens a grounding head reads: first the aligned sentence embedding, then MiniLM's
        word tokens, in disjoint channels ((1 + L, embed_dim + 384): the sentence token is [0 | embedding], a word
        token [word | 0]), so the head's cross-attention can take the aligned dot product with a row directly
        while still reading the words. First, so that truncating to ``max_q_l`` never drops it."""
        sentence = self.encode(texts)
        words, mask = self.minilm.encode_tokens(list(texts), max_tokens)
        out = []
        for emb, w, m in zip(sentence, words, mask):
            w = w[m]
            tokens = np.zeros((1 + len(w), self.feature_dim + w.shape[1]), np.float32)
            tokens[0, w.shape[1]:] = emb
            tokens[1:, :w.shape[1]] = w
            out.append(tokens)
        return out

    def match_probability(self, video: np.ndarray, text: np.ndarray) -> np.ndarray:
        """(K, D) window embeddings, (N, D) sentence embeddings -> (K, N) probabilities of a match."""
        import torch

        with torch.inference_mode():
            logits = self.network.match_logits(torch.from_numpy(np.asarray(video, np.float32)),
                                               torch.from_numpy(np.asarray(text, np.float32)))
        return torch.sigmoid(logits).numpy()


def centered_rows(backbone: TextClipNet, frames: np.ndarray, fps: float) -> np.ndarray:
    """Rows of already-resized frames (N, size, size, 3) in the ``centered`` layout the default grounder reads:
    the windows, and the frames each one sees, from the plan ``tempo.features.extract`` uses on a decoded video
    (for frames rendered from synth plans: training data and tests without a decoder)."""
    from .windows import centered_windows

    cfg = backbone.config
    if abs(float(fps) - float(cfg["fps"])) > 1e-6:
        raise ValueError(f"frames at {fps} fps; TextClipNet rows are made at {cfg['fps']} fps")
    plan = centered_windows(len(frames), fps, int(cfg["window_frames"]), int(cfg["stride"]))
    clips = np.stack([frames[plan.clip_positions(i, backbone.num_frames)] for i in range(len(plan))])
    return backbone.forward_clips(clips)
