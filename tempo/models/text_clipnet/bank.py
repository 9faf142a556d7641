"""Sentence embeddings of one caption per synth caption meaning, computed once with the frozen text encoder
(MiniLM) so training never runs the language model: 40,480 captions, 384-d, stored as int8 with a per-row
scale (15.5 MB; cosine similarities move by < 1e-3).

    python -m tempo.models.text_clipnet.bank OUT.npz       # ~4 min on 2 CPU cores
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from tempo.errors import InputError

from .semantics import ATTRIBUTES, NUM_IDS, all_semantics, phrase, semantic_ids

BANK_SEED = 20261204


class CaptionBank:
    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(self.path, "caption bank not found (python -m tempo.models.text_clipnet.bank OUT.npz)")
        with np.load(self.path, allow_pickle=False) as data:
            self.ids, self.codes, self.scale = data["ids"], data["codes"], data["scale"]
            self.encoder = str(data["encoder"])
        self.row = np.full(NUM_IDS, -1, np.int64)
        self.row[self.ids] = np.arange(len(self.ids))

    @property
    def dim(self) -> int:
        return self.codes.shape[1]

    def contains(self, sems: np.ndarray) -> np.ndarray:
        return self.row[semantic_ids(sems)] >= 0

    def embeddings(self, sems: np.ndarray) -> np.ndarray:
        """(K, 6) semantics -> (K, dim) float32 sentence embeddings."""
        rows = self.row[semantic_ids(sems)]
        if (rows < 0).any():
            raise KeyError("a caption meaning outside the bank")
        return self.codes[rows].astype(np.float32) * self.scale[rows, None]


def quantise(emb: np.ndarray) -> tuple:
    scale = np.abs(emb).max(1) / 127.0
    return np.round(emb / np.maximum(scale, 1e-12)[:, None]).astype(np.int8), scale.astype(np.float32)


def build_bank(out, encoder=None, attributes=ATTRIBUTES) -> Path:
    """Embed one phrasing of every semantic; ``attributes``: only meanings that name no other attribute
    (a small bank for tests: shape and colour give 2,024 captions)."""
    if encoder is None:
        from tempo.features.text import MiniLM

        encoder = MiniLM()
    sems = all_semantics()
    unnamed = [k for k, a in enumerate(ATTRIBUTES) if a not in attributes]
    sems = sems[(sems[:, unnamed] < 0).all(1)]
    texts = [phrase(s, np.random.default_rng([BANK_SEED, int(i)])) for s, i in zip(sems, semantic_ids(sems))]
    emb = encoder.encode(texts)
    codes, scale = quantise(emb)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.npz")
    np.savez(tmp, ids=semantic_ids(sems), codes=codes, scale=scale, texts=np.array(texts),
             encoder=np.array(type(encoder).__name__))
    os.replace(tmp, out)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="embed one caption per synth caption meaning (MiniLM)")
    parser.add_argument("out", help="output .npz")
    parser.add_argument("--attributes", nargs="+", default=list(ATTRIBUTES), choices=ATTRIBUTES,
                        help="only meanings naming these attributes (a small bank for tests)")
    args = parser.parse_args(argv)
    print(build_bank(args.out, attributes=args.attributes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
