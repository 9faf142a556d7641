"""Start the Gradio moment-search app: index a folder under --root, search it by text, play moments.

The page can fetch only the video files under --root that it lists (no dot files, no `..`, no
symlinks out) and the images it makes. The server binds to 127.0.0.1 unless --host says otherwise;
use --auth user:pass when sharing on a LAN. Checkpoints are the server's choice: --search-checkpoint
and --detect-checkpoint, or --checkpoint-dir DIR to let each visitor pick (for their session only)
among the checkpoint files in DIR.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, UsageError

HELP = "open the moment-search web app (Gradio) on a folder of clips"


def add_arguments(parser) -> None:
    # required: a default of "." would publish whatever folder the command happens to run in
    parser.add_argument("--root", required=True, help="folder whose videos the app may index and play (required)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=None, help="port (default: first free from 7860)")
    parser.add_argument("--auth", default=None, help="require a login, given as user:pass")
    parser.add_argument("--search-head", choices=("bam_detr", "textclip"), default="bam_detr",
                        help="moment-search engine: bam_detr (default) or textclip (TextClipNet's match "
                             "probability; reads the query, see tempo ground --help)")
    parser.add_argument("--search-checkpoint", default=None,
                        help="BAM-DETR checkpoint, or TextClipNet weights with --search-head textclip "
                             "(default: embedded)")
    parser.add_argument("--detect-checkpoint", default=None, help="TriDet checkpoint (default: embedded)")
    parser.add_argument("--checkpoint-dir", default=None,
                        help="folder of checkpoints visitors may pick from, per session (default: none)")
    parser.add_argument("--clip-dir", default=None,
                        help="local Hugging Face CLIP folder for search models that read CLIP features (official "
                             "BAM-DETR model.ckpt; replaces the folder a tempo bundle names)")


def run(args) -> int:
    from ..ui.app import launch

    root = Path(args.root).expanduser()
    if not root.is_dir():
        raise InputError(root, "--root must be an existing folder")
    if args.checkpoint_dir and not Path(args.checkpoint_dir).is_dir():
        raise InputError(args.checkpoint_dir, "--checkpoint-dir must be an existing folder")
    if args.clip_dir and not Path(args.clip_dir).is_dir():
        raise InputError(args.clip_dir, "--clip-dir must be an existing folder (a local Hugging Face CLIP model)")
    if args.clip_dir and args.search_head != "bam_detr":
        raise UsageError("--clip-dir goes with --search-head bam_detr (TextClipNet reads no CLIP features)")
    if args.auth and ":" not in args.auth:
        raise UsageError("--auth takes user:pass")
    app, url = launch(root, args.host, args.port, args.auth, args.search_checkpoint, args.detect_checkpoint,
                      prevent_thread_lock=True, checkpoint_dir=args.checkpoint_dir, search_head=args.search_head,
                      clip_dir=args.clip_dir)
    print(f"tempo demo: {url} (videos under {root.resolve()}; Ctrl+C stops)", flush=True)
    try:
        app.block_thread()
    finally:
        app.tempo.scratch.cleanup()
    return 0
