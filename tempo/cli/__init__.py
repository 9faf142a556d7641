"""The ``tempo`` command. Each subcommand is a module in this package (found automatically) with:

    HELP: str                      one line for ``tempo --help``
    add_arguments(parser)          its options
    run(args) -> int               exit code: 0 all ok, 1 some inputs failed, 2 bad usage

User-facing problems are raised as ``tempo.errors.TempoError`` and shown as one line; tracebacks
only with ``--debug``.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys

from ..errors import TempoError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_NOT_COMMANDS = {"common", "pipelines"}


def _command_modules():
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_COMMANDS)
    return [(name.replace("_", "-"), importlib.import_module(f"{__name__}.{name}")) for name in names]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 already; keep its one-line style
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"tempo: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tempo", description="Video temporal localization: detect actions, ground text "
                     "queries over folders of clips, restore and complete video, from your own files.",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"tempo {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    common.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    common.add_argument("--cache-dir", default=None,
                        help="feature/stage cache folder (default: $TEMPO_CACHE_DIR or ~/.cache/tempo)")
    common.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in _command_modules():
        p = sub.add_parser(name, help=module.HELP, description=getattr(module, "__doc__", None) or module.HELP,
                           parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # Cache settings travel as environment variables so library code, worker processes and torchrun
    # ranks all see them; restored afterwards so in-process callers (tests, the demo) are unaffected.
    saved = {k: os.environ.get(k) for k in ("TEMPO_CACHE_DIR", "TEMPO_NO_CACHE")}
    if args.cache_dir:  # absolute: worker processes may run elsewhere
        os.environ["TEMPO_CACHE_DIR"] = os.path.abspath(os.path.expanduser(args.cache_dir))
    if args.no_cache:
        os.environ["TEMPO_NO_CACHE"] = "1"
    try:
        return int(args._run(args) or 0)
    except UsageError as exc:
        if args.debug:
            raise
        print(f"tempo {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TempoError as exc:
        if args.debug:
            raise
        print(f"tempo {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("tempo: interrupted", file=sys.stderr)
        return 130
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
