"""Config files: Python configs run code by design; JSON/YAML ones are read as plain data.

mmengine's ``Config.fromfile`` runs code for every format: a ``.py`` config is executed, its YAML loader
builds arbitrary Python objects (``!!python/object/apply:os.system``), and a ``_base_`` entry of a JSON/YAML
config pulls in (and executes) other files. So only ``.py`` goes through it; JSON and YAML are parsed with
safe loaders, without ``_base_``, and the caller checks their ``type`` names (``tempo.registry.check_types``).
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from .errors import InputError, one_line

DATA_SUFFIXES = (".json", ".yaml", ".yml")


def is_data_config(path) -> bool:
    """True for a JSON/YAML config: data that may name only tempo's own types."""
    return Path(str(path)).suffix.lower() in DATA_SUFFIXES


def load_config(path):
    """An mmengine ``Config`` from a ``.py`` file (runs it), or from a JSON/YAML file read as data."""
    from mmengine.config import Config

    path = Path(path)
    if not is_data_config(path):
        return Config.fromfile(str(path))
    try:
        text = path.read_text(encoding="utf8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:  # YAMLError: e.g. a !!python tag the safe loader refuses
        raise InputError(path, f"unreadable config ({one_line(exc)})") from None
    if not isinstance(data, dict):
        raise InputError(path, "a config file holds a mapping at the top level")
    if "_base_" in data:
        raise InputError(path, "refused: _base_ in a JSON/YAML config (it would load other files; "
                         "use a .py config to inherit)")
    return Config(data, filename=str(path))
