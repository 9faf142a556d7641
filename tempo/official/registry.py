"""The table of official models (``registry.json`` beside this file, or the JSON file ``$TEMPO_WEIGHTS_REGISTRY``
names) and where their files live: ``$TEMPO_WEIGHTS_DIR/<name>/`` or, by default, ``<cache dir>/weights/<name>/``.

The table is data: every field is checked here (names, relative file paths, http(s) URLs, hex digests), nothing
in it is imported or run. ``apply_model`` turns ``--model NAME`` into the paths a task command already takes
(``--checkpoint``, ``--config``, ``--clip-dir``, ``--opn``/``--tcn``), so each command changes by one call.
"""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from ..errors import InputError, UsageError

REGISTRY_FILE = Path(__file__).with_name("registry.json")
REPO_ROOT = Path(__file__).resolve().parents[2]  # configs/ sits beside the package (editable install)
TASKS = ("restore", "detect", "ground", "complete")

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{2,63}")
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # one path component: never '', '.', '..' or '/x'
_SHA256 = re.compile(r"[0-9a-f]{64}")

# What ``--model`` fills in, per command: (argparse dest, what, type). "file:ROLE" = the file of that role,
# "dir:ROLE" = the folder holding that role's files, "folder" = the model's folder, "config" = its config.
# Kept in code, not in the data, so a registry file can only name files, never which options they set.
CLI_ARGS = {
    "restore": (("checkpoint", "folder", Path),),
    "detect": (("checkpoint", "file:checkpoint", str), ("config", "config", str), ("i3d_rgb", "file:i3d_rgb", str),
               ("i3d_flow", "file:i3d_flow", str)),
    "ground": (("checkpoint", "file:checkpoint", str), ("clip_dir", "dir:clip", str),
               ("slowfast", "file:slowfast", str)),
    "complete": (("opn", "file:opn", Path), ("tcn", "file:tcn", Path)),
}


def _check_entry(m, source) -> dict:
    def bad(why):
        return InputError(source, f"model {m.get('name', '?') if isinstance(m, dict) else '?'}: {why}")

    if not isinstance(m, dict) or not isinstance(m.get("name"), str) or not _NAME.fullmatch(m["name"]):
        raise bad("needs a name of 3-64 lowercase letters, digits, '.', '-'")
    if m.get("task") not in TASKS:
        raise bad(f"task must be one of {', '.join(TASKS)}")
    files = m.get("files")
    if not isinstance(files, list) or not files:
        raise bad("needs a non-empty list of files")
    for f in files:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not isinstance(f.get("role"), str):
            raise bad("each file needs a name and a role")
        if not all(_PART.fullmatch(p) for p in f["name"].split("/")):
            raise bad(f"file name {f['name']!r} must be a relative path without '..'")
        url = f.get("url")
        if url is not None and not (isinstance(url, str) and re.match(r"https?://", url)):
            raise bad(f"{f['name']}: url must be http(s) or null")
        if f.get("sha256") is not None and not _SHA256.fullmatch(str(f["sha256"])):
            raise bad(f"{f['name']}: sha256 must be 64 lowercase hex digits or null")
        if not isinstance(f.get("optional", False), bool):
            raise bad(f"{f['name']}: optional must be true or false")
        if f.get("size") is not None and not (isinstance(f["size"], int) and f["size"] >= 0):
            raise bad(f"{f['name']}: size must be a byte count or null")
    return m


@lru_cache(maxsize=8)
def _load(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InputError(path, f"cannot read the weights registry ({exc.__class__.__name__})") from exc
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise InputError(path, "a weights registry holds {\"models\": [...]}")
    table = {}
    for m in models:
        m = _check_entry(m, path)
        table[m["name"]] = m
    return table


def registry_path() -> Path:
    return Path(os.environ.get("TEMPO_WEIGHTS_REGISTRY") or REGISTRY_FILE)


def list_models() -> list[dict]:
    return list(_load(str(registry_path())).values())


def get_model(name: str) -> dict:
    table = _load(str(registry_path()))
    if name not in table:
        raise UsageError(f"unknown model {name!r}; known: {', '.join(sorted(table))} (tempo weights list)")
    return table[name]


def weights_root(create: bool = False) -> Path:
    """``$TEMPO_WEIGHTS_DIR``, else ``<cache dir>/weights`` (the cache folder is tagged as tempo's first, so the
    stage cache's safety checks keep accepting it)."""
    env = os.environ.get("TEMPO_WEIGHTS_DIR")
    if env:
        return Path(env).expanduser()
    from ..pipeline.cache import default_cache_dir
    from ..pipeline.cachedir import claim

    cache = default_cache_dir()
    if create:
        claim(cache, create=True)
    return cache / "weights"


def model_dir(name: str, create: bool = False) -> Path:
    return weights_root(create) / get_model(name)["name"]


def file_path(model: dict, f: dict, root: Path | None = None) -> Path:
    return (root or weights_root()) / model["name"] / f["name"]


def missing_files(model: dict, required_only: bool = False) -> list[dict]:
    """Files not in the model's folder; ``required_only``: without the optional ones (e.g. the feature networks
    a head needs only to make its features from raw video)."""
    return [f for f in model["files"] if not file_path(model, f).is_file()
            and not (required_only and f.get("optional"))]


def config_path(model: dict) -> Path | None:
    return REPO_ROOT / model["config"] if model.get("config") else None


def resolve(model: dict) -> dict:
    """{"folder", "config", "file:ROLE", "dir:ROLE"} for a fetched model; one line (InputError) naming what is
    missing and the command that fetches it otherwise."""
    folder = weights_root() / model["name"]
    missing = missing_files(model, required_only=True)
    if missing:
        names = ", ".join(f["name"] for f in missing)
        raise InputError(folder, f"model {model['name']} is missing {names}; run: tempo weights fetch {model['name']}")
    out = {"folder": folder, "config": config_path(model)}
    for f in model["files"]:
        path = file_path(model, f)
        if not path.is_file():  # an optional file not fetched: the command says so if it needs it
            continue
        out.setdefault(f"file:{f['role']}", path)
        out.setdefault(f"dir:{f['role']}", path.parent)
    return out


def apply_model(args, task: str) -> None:
    """``--model NAME``: set the command's weight options from the fetched files (no-op without ``--model``)."""
    name = getattr(args, "model", None)
    if not name:
        return
    model = get_model(name)
    if model["task"] != task:
        raise UsageError(f"--model {name} is a `tempo {model['task']}` model, not one for `tempo {task}`")
    optional = {f"file:{f['role']}" for f in model["files"] if f.get("optional")}  # the user's own may replace them
    given = [dest for dest, what, _ in CLI_ARGS[task]
             if what != "config" and what not in optional and getattr(args, dest, None)]
    if given:
        raise UsageError(f"--model {name} names the weights already; drop --{given[0].replace('_', '-')}")
    paths = resolve(model)
    for dest, what, kind in CLI_ARGS[task]:
        if getattr(args, dest, None) is None and paths.get(what) is not None:
            setattr(args, dest, kind(paths[what]))
