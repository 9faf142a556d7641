"""Start the Gradio moment-search app: index a folder under --root, search it by text, play moments.

Only files under --root are reachable from the page (no `..`, no symlinks out). The server binds to
127.0.0.1 unless --host says otherwise; use --auth user:pass when sharing on a LAN.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError

HELP = "open the moment-search web app (Gradio) on a folder of clips"


def add_arguments(parser) -> None:
    parser.add_argument("--root", default=".", help="folder whose sub-folders the app may index (default: .)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=None, help="port (default: first free from 7860)")
    parser.add_argument("--auth", default=None, help="require a login, given as user:pass")
    parser.add_argument("--search-checkpoint", default=None, help="BAM-DETR checkpoint (default: embedded)")
    parser.add_argument("--detect-checkpoint", default=None, help="TriDet checkpoint (default: embedded)")


def run(args) -> int:
    from ..ui.app import launch

    root = Path(args.root)
    if not root.is_dir():
        raise InputError(root, "--root must be an existing folder")
    if args.auth and ":" not in args.auth:
        from ..errors import UsageError

        raise UsageError("--auth takes user:pass")
    launch(root, args.host, args.port, args.auth, args.search_checkpoint, args.detect_checkpoint)
    return 0
