"""The object stage at search time: a bundle with ``object_match`` reads rows of TextClipNet's embedding followed
by the object slots (``ObjectSlots``); per query the slots become three match columns (``match_columns``: where an
object that looks as described does the named action), so the head sees ``[embedding | match columns | TEF]``.
Only the embedding is L2-normalised (the columns are probabilities) and only it feeds the pre-filter."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
BUNDLED_QUERY_PARSER = WEIGHTS_DIR / "object_query_parser_synth.safetensors"


class ObjectQueryMatch:
    def __init__(self, spec: dict, bundle_path):
        from ..models.object_match.parse import QueryParse

        parser = Path(spec.get("parser", BUNDLED_QUERY_PARSER.name))
        parser = parser if parser.is_absolute() else Path(bundle_path).resolve().parent / parser
        if not parser.is_file():
            raise InputError(parser, "the grounder's query parser is missing (object_match.parser)")
        wanted = spec.get("slots_weights_id")
        if wanted:  # slots of other segmenter / recogniser weights mean something else to the head
            from ..features.object_slots import ObjectSlots

            if ObjectSlots().weights_id() != wanted:
                raise InputError(bundle_path, "this grounder was trained on object slots of other object stage "
                                              "weights than the bundled ones (rebuild it with "
                                              "tools/build_default_grounder.py --objects)")
        self.aligned_dims = int(spec["aligned_dims"])  # the embedding's width; the slots follow it
        self.parser = QueryParse(parser)
        self._last: tuple | None = None

    def parse(self, query: str) -> np.ndarray:
        if self._last is None or self._last[0] != query:  # one query is usually ranked over many clips
            self._last = (query, self.parser([query])[0])
        return self._last[1]

    def head_rows(self, features: np.ndarray, parse: np.ndarray) -> np.ndarray:
        from ..models.object_match.match import match_columns

        from ..models.object_match.slots import SLOTS_DIM

        feats = np.asarray(features, np.float32)
        if feats.shape[1] != self.aligned_dims + SLOTS_DIM:
            raise ValueError(f"rows of {feats.shape[1]} dims; this grounder reads {self.aligned_dims} embedding dims "
                             f"followed by {SLOTS_DIM} object slot dims (index the clips with its own backbone)")
        return np.concatenate([feats[:, :self.aligned_dims], match_columns(feats[:, self.aligned_dims:], parse)], 1)
