"""Extract features from videos (thin wrapper over ``tempo extract``; same options).

    .venv/bin/python tools/extract_features.py VIDEO_OR_FOLDER -o OUT [--backbone NAME] [--layout detect|ground]
    torchrun --nproc_per_node 4 tools/extract_features.py FOLDER -o OUT   # one shard of the videos per process
"""
import sys

from tempo.cli import main

if __name__ == "__main__":
    sys.exit(main(["extract", *sys.argv[1:]]))
