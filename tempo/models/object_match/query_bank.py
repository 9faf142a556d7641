"""MiniLM sentence embeddings of grounding queries, made once so ``QueryParser`` trains without the language model.

    python -m tempo.models.object_match.query_bank OUT.npz TRAIN.jsonl [VAL.jsonl ...]
"""
from __future__ import annotations

import argparse
import json

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("ann_files", nargs="+", help="jsonl rows with qid and query")
    args = parser.parse_args(argv)
    from tempo.features.text import MiniLM

    rows = [json.loads(line) for path in args.ann_files for line in open(path)]
    embeddings = MiniLM().encode([r["query"] for r in rows]).astype(np.float32)
    np.savez(args.out, qid=np.array([r["qid"] for r in rows], np.int64), embedding=embeddings)
    print(f"{args.out}: {len(rows)} queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
