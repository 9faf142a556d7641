"""Launch the tempo moment-search demo (same as `tempo demo`).

    python demo/app.py --root ~/Videos [--host 127.0.0.1] [--port 7860] [--auth user:pass]
"""
import sys

from tempo.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
