"""Inspect or empty tempo's stage cache (features and other intermediate results).

The cache folder carries a CACHEDIR.TAG; clear and verify refuse a non-empty folder without one
(a mis-set --cache-dir or TEMPO_CACHE_DIR), and delete only the cache's own entry files.
"""
from __future__ import annotations

import argparse

from ..errors import InputError
from ..pipeline import Cache
from ..pipeline.cachedir import valid_stage
from .common import print_json

HELP = "show, verify or clear the feature/stage cache"


def _stage_name(value: str) -> str:
    if not valid_stage(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a stage name (letters, digits, '_', '.', '-'; "
                                         "no path)")
    return value


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["info", "clear", "verify"],
                        help="info: location, size per stage, temp files; clear: delete entries; "
                             "verify: check every entry's checksum and drop invalid ones and stale temp files")
    parser.add_argument("--stage", default=None, type=_stage_name,
                        help="with clear: only this stage's entries (a stage name, e.g. ExtractFeatures)")


def run(args) -> int:
    cache = Cache()
    try:
        return _run(args, cache)
    except OSError as exc:  # e.g. a read-only cache: one line, not a traceback
        raise InputError(cache.root, f"cannot {args.action} the cache: {exc.strerror or exc}") from exc


def _run(args, cache: Cache) -> int:
    if args.action == "info":
        info = cache.info()
        if args.json:
            print_json(info)
        else:
            print(f"cache: {info['root']}  ({info['entries']} entries, {info['bytes'] / 1e6:.1f} MB)")
            for name, s in sorted(info["stages"].items()):
                print(f"  {name}: {s['entries']} entries, {s['bytes'] / 1e6:.1f} MB")
            if info["temp_files"]:
                print(f"  temp files: {info['temp_files']} ({info['stale_temp_files']} stale, "
                      "removed by `tempo cache verify`)")
            if not cache.root.is_dir() and cache.root.exists():
                print("  note: not a folder; runs go on without the cache")
            elif not info["tagged"] and cache.root.exists():
                print("  note: no CACHEDIR.TAG, so not (yet) marked as tempo's cache")
    elif args.action == "clear":
        n = cache.clear(args.stage)
        print_json({"removed": n}) if args.json else print(f"removed {n} cache entries from {cache.root}")
    else:
        r = cache.verify()
        if args.json:
            print_json(r)
        else:
            print(f"{r['valid']} valid, {r['removed']} invalid removed, "
                  f"{r['temp_removed']} stale temp files removed")
    return 0
