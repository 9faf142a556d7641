"""Query feature files for training a grounding head: ``qid<qid>.npz`` per annotated query, as the official
Moment-DETR / BAM-DETR data (and ``GroundingFeatureDataset``) read them, plus ``text_features.json`` saying how
they were made, so a search bundle trained on them encodes its queries the same way (``tempo.tasks.ground_bundle``).

Each file holds ``last_hidden_state`` (the query's tokens, L x D, padding dropped) and ``pooler_output`` (the
sentence vector). ``tools/extract_text_features.py`` is the command line.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io.atomic import atomic_write

META_NAME = "text_features.json"


def read_queries(annotation_files) -> list[dict]:
    """``{"qid", "query"}`` of every line of the jsonl files (each qid once)."""
    rows: dict = {}
    for path in map(Path, annotation_files):
        if not path.is_file():
            raise InputError(path, "annotation file not found")
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                rows.setdefault(row["qid"], str(row["query"]))
            except (ValueError, KeyError, TypeError):
                raise InputError(path, f"line {n}: not a JSON object with qid and query") from None
    return [{"qid": q, "query": text} for q, text in rows.items()]


def encoder_spec(encoder: str, checkpoint=None) -> dict:
    """The text encoder's config as a bundle's ``text`` section names it (folder made absolute)."""
    spec = {"encoder": encoder}
    if checkpoint:
        spec["checkpoint"] = str(Path(checkpoint).expanduser().resolve())
    return spec


def write_query_features(annotation_files, out_dir, encoder: str = "MiniLM", checkpoint=None,
                         max_tokens: int = 32, batch_size: int = 64) -> dict:
    """Encode every query of ``annotation_files`` into ``out_dir``; returns the ``text_features.json`` content."""
    import tempo.features  # noqa: F401  (registers the encoders)
    from ..registry import TEXT_ENCODERS

    spec = encoder_spec(encoder, checkpoint)
    model = TEXT_ENCODERS.build({"type": encoder, **({"checkpoint": spec["checkpoint"]} if checkpoint else {})})
    out_dir = Path(out_dir)
    rows = read_queries(annotation_files)
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        texts = [r["query"] for r in batch]
        tokens, mask = model.encode_tokens(texts, max_tokens)
        sentences = model.encode(texts)
        for r, t, m, s in zip(batch, tokens, mask, sentences):
            buf = io.BytesIO()
            np.savez(buf, last_hidden_state=t[m], pooler_output=s)
            atomic_write(out_dir / f"qid{r['qid']}.npz", buf.getvalue())
    meta = {**spec, "tokens": True, "max_tokens": int(max_tokens), "queries": len(rows)}
    atomic_write(out_dir / META_NAME, json.dumps(meta, indent=1))
    return meta


def read_meta(folder) -> dict:
    path = Path(folder) / META_NAME
    if not path.is_file():
        raise InputError(path, "not found: make the query features with tools/extract_text_features.py")
    return json.loads(path.read_text())
