"""Official weights by name: what each model needs, where it comes from, and fetching it into the weights folder
(``<cache dir>/weights/NAME/``, or ``$TEMPO_WEIGHTS_DIR/NAME/``). A fetched model is then named on the task
commands with ``--model NAME``.

  tempo weights list
  tempo weights info seedvr2-3b
  tempo weights fetch seedvr2-3b          # resumable; verified by sha256 where the authors publish one
  tempo restore in.mp4 -o out.mp4 --model seedvr2-3b

Offline (or --offline, or a file with no direct link), ``fetch`` prints what to download and where to put it,
and exits 1.
"""
from __future__ import annotations

import os
import sys

from ..errors import UsageError
from .common import print_json

HELP = "list, describe and fetch official model weights (then: --model NAME)"


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("list", "info", "fetch"), help="list the models, describe one, fetch one")
    parser.add_argument("name", nargs="?", help="model name (tempo weights list)")
    parser.add_argument("--offline", action="store_true",
                        help="fetch: do not connect; print what to download and where (also TEMPO_OFFLINE=1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="fetch: seconds without an answer (30)")


def _status(model) -> str:
    from ..official.registry import missing_files

    missing = len(missing_files(model, required_only=True))
    required = sum(not f.get("optional") for f in model["files"])
    return "fetched" if not missing else ("missing" if missing == required else f"{missing} missing")


def _file_info(model, f) -> dict:
    from ..official.registry import file_path

    path = file_path(model, f)
    return {"role": f["role"], "name": f["name"], "optional": bool(f.get("optional")), "url": f.get("url"),
            "page": f.get("page"),
            "manual": f.get("manual"), "size": f.get("size"), "sha256": f.get("sha256"), "path": str(path),
            "present": path.is_file()}


def _info(model) -> dict:
    from ..official.registry import model_dir

    keys = ("name", "task", "description", "config", "features", "licence", "homepage")
    return {**{k: model.get(k) for k in keys}, "folder": str(model_dir(model["name"])), "status": _status(model),
            "files": [_file_info(model, f) for f in model["files"]]}


def _print_info(info: dict) -> None:
    print(f"{info['name']}  ({info['task']}; {info['status']})\n  {info['description']}")
    for key in ("features", "licence", "config", "homepage", "folder"):
        print(f"  {key + ':':<10} {info[key]}")
    print(f"  use:       tempo {info['task']} ... --model {info['name']}")
    for f in info["files"]:
        size = f"{f['size']} bytes" if f["size"] is not None else "not published"
        print(f"  - {f['name']} [{f['role']}{', optional' if f['optional'] else ''}] "
              f"{'present' if f['present'] else 'missing'}\n"
              f"      from:   {f['url'] or f['page']}\n      size:   {size}\n"
              f"      sha256: {f['sha256'] or 'not published'}")
        if f["manual"] and not f["url"]:
            print(f"      by hand: {f['manual']}")


def instructions(model, files) -> list[str]:
    """What to download and where to put it, one file per pair of lines."""
    from ..official.registry import file_path

    lines = [f"download these files for {model['name']} and put each at the path shown:"]
    for f in files:
        src = f.get("url") or f"{f.get('page')}  ({f.get('manual') or 'no direct link'})"
        check = f"  (sha256 {f['sha256']})" if f.get("sha256") else ""
        lines.append(f"  {src}\n    -> {file_path(model, f)}{check}")
    lines.append(f"then: tempo {model['task']} ... --model {model['name']}")
    return lines


def fetch(model, offline: bool = False, timeout: float = 30.0) -> int:
    from ..official.download import DownloadError, Unreachable, download
    from ..official.registry import file_path, missing_files, weights_root
    from ..progress import progress_bar

    todo = missing_files(model, required_only=True)
    extra = [f for f in missing_files(model) if f.get("optional")]
    if extra:  # optional files (networks needed only to make features from video): said, never fetched or a failure
        print("\n".join(instructions(model, extra)).replace("download these files", "optional, not fetched: download",
                                                            1), file=sys.stderr)
    if not todo:
        print(f"{model['name']}: all {len(model['files'])} files present in {weights_root() / model['name']}")
        return 0
    weights_root(create=True)
    problem = None
    for f in todo:
        if offline:
            problem = "offline (--offline / TEMPO_OFFLINE)"
            break
        if not f.get("url"):
            continue  # no direct link: listed in the instructions below
        try:
            with progress_bar(f"fetching {f['name']}", total=f.get("size")) as advance:
                download(f["url"], file_path(model, f), f.get("sha256"), f.get("size"), timeout, on_bytes=advance)
        except Unreachable as exc:
            problem = f"cannot download: {exc}"
            break
        except DownloadError as exc:
            print(f"tempo weights: error: {exc}", file=sys.stderr)
            return 1
    left = missing_files(model, required_only=True)
    if not left:
        print(f"{model['name']}: fetched into {weights_root() / model['name']}")
        return 0
    first = problem or f"{len(left)} file(s) of {model['name']} have no direct download link"
    print(f"tempo weights: error: {first}", file=sys.stderr)
    print("\n".join(instructions(model, left)), file=sys.stderr)
    return 1


def run(args) -> int:
    from ..official.registry import get_model, list_models

    if args.action == "list":
        if args.name:
            raise UsageError("tempo weights list takes no name (tempo weights info NAME)")
        models = list_models()
        if args.json:
            print_json({"models": [_info(m) for m in models]})
        else:
            for m in models:
                print(f"{m['name']:<24} {m['task']:<9} {_status(m):<10} {m['licence']:<14.14} {m['description']}")
        return 0
    if not args.name:
        raise UsageError(f"tempo weights {args.action} needs a model name (tempo weights list)")
    model = get_model(args.name)
    if args.action == "info":
        if args.json:
            print_json(_info(model))
        else:
            _print_info(_info(model))
        return 0
    offline = args.offline or os.environ.get("TEMPO_OFFLINE", "") not in ("", "0")
    return fetch(model, offline=offline, timeout=args.timeout)
