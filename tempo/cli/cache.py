"""Inspect or empty tempo's stage cache (features and other intermediate results)."""
from __future__ import annotations

from ..pipeline import Cache
from .common import print_json

HELP = "show, verify or clear the feature/stage cache"


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["info", "clear", "verify"],
                        help="info: location and size per stage; clear: delete entries; "
                             "verify: check every entry's checksum and drop invalid ones")
    parser.add_argument("--stage", default=None, help="with clear: only this stage's entries")


def run(args) -> int:
    cache = Cache()
    if args.action == "info":
        info = cache.info()
        if args.json:
            print_json(info)
        else:
            print(f"cache: {info['root']}  ({info['entries']} entries, {info['bytes'] / 1e6:.1f} MB)")
            for name, s in sorted(info["stages"].items()):
                print(f"  {name}: {s['entries']} entries, {s['bytes'] / 1e6:.1f} MB")
    elif args.action == "clear":
        n = cache.clear(args.stage)
        print_json({"removed": n}) if args.json else print(f"removed {n} cache entries from {cache.root}")
    else:
        result = cache.verify()
        print_json(result) if args.json else print(f"{result['valid']} valid, {result['removed']} invalid removed")
    return 0
