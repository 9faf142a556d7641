"""Encode the queries of grounding annotations into ``qid<qid>.npz`` files for training (tokens + sentence vector).

    python tools/extract_text_features.py data/mine/train.jsonl data/mine/val.jsonl -o data/mine/features/text \\
        --encoder CLIPText --checkpoint clip-vit-base-patch32      # a local Hugging Face CLIP folder

Writes ``text_features.json`` beside them (encoder, folder, max tokens): tools/train.py's search bundle reads it.
"""
import argparse
import sys

from tempo.features.query_files import write_query_features


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("annotations", nargs="+", help="jsonl files with qid and query per line")
    parser.add_argument("-o", "--output", required=True, help="folder for qid<qid>.npz")
    parser.add_argument("--encoder", default="MiniLM", help="text encoder: MiniLM (default) or CLIPText")
    parser.add_argument("--checkpoint", default=None, help="the encoder's local folder (CLIPText: a CLIP folder)")
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args(argv)
    meta = write_query_features(args.annotations, args.output, args.encoder, args.checkpoint, args.max_tokens)
    print(f"{meta['queries']} queries -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
