"""mmengine registries shared by every part of tempo, which build only the types tempo registered.

Models, backbones, text encoders, pipeline stages and datasets register here so configs can name them by
``type``; each family registers its own modules on import (``locations`` lists them, imported on first use).

Why they are strict: mmengine's ``Registry.get`` resolves any dotted name (``os.system``,
``subprocess.run``) to a callable, and its ``_scope_`` key imports ``<scope>.registry``. A config read from
a data file (a checkpoint's JSON, a JSON/YAML config) must not run code, so
``TempoRegistry.get`` knows only registered names, and ``check_types`` refuses, naming the file, any config
from a data file whose ``type`` (at any depth) tempo did not register. Python configs run code by design.
"""
from __future__ import annotations

from mmengine.registry import Registry

from .errors import InputError


class TempoRegistry(Registry):
    def get(self, key):
        """The registered class (or function) named ``key`` (``Name`` or ``tempo.Name``), else None."""
        if not isinstance(key, str):
            raise TypeError(f"a registry key is a str, got {type(key).__name__}")
        self.import_from_location()
        scope, name = self.split_scope_key(key)
        return self._module_dict.get(name) if scope in (None, self.scope) else None

    def build(self, cfg, *args, **kwargs):
        # Python callers may pass a class as ``type``; a name must be registered (one-line error, not a KeyError)
        if isinstance(cfg, dict) and ("_scope_" in cfg or isinstance(cfg.get("type"), str)):
            _check_node(cfg, f"{self.name} config", self)
        return super().build(cfg, *args, **kwargs)


MODELS = TempoRegistry("tempo model", scope="tempo", locations=[
    "tempo.models.tridet", "tempo.models.bam_detr", "tempo.models.seedvr", "tempo.models.seedvr.train_model",
    "tempo.models.onion_peel", "tempo.models.onion_peel.train_model", "tempo.models.action_clipnet",
    "tempo.models.text_clipnet", "tempo.models.object_match"])
BACKBONES = TempoRegistry("tempo backbone", scope="tempo", locations=["tempo.features"])
TEXT_ENCODERS = TempoRegistry("tempo text encoder", scope="tempo", locations=["tempo.features"])
STAGES = TempoRegistry("tempo stage", scope="tempo", locations=["tempo.pipeline", "tempo.features", "tempo.stages"])
DATASETS = TempoRegistry("tempo dataset", scope="tempo", locations=[
    "tempo.data.detection_dataset", "tempo.data.grounding_dataset", "tempo.data.concat",
    "tempo.models.onion_peel.train_data", "tempo.models.seedvr.train_data", "tempo.models.action_clipnet",
    "tempo.models.text_clipnet", "tempo.models.object_match"])


def check_types(cfg, path, registry: TempoRegistry):
    """Return ``cfg`` (from the data file ``path``) if every ``type`` in it, at any depth (dicts within lists
    within dicts), is a name ``registry`` holds; else raise ``InputError(path, "refused: ...")``.

    A registered class may also refuse its own code-running parameters when they come from a data file
    (``check_data_config(cfg, path)``, e.g. an mmaction2 backbone's Python config file).
    """
    stack = [cfg]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "type" in node or "_scope_" in node:
                check = getattr(_check_node(node, path, registry), "check_data_config", None)
                if check is not None:
                    check(node, path)
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return cfg


def _check_node(node: dict, path, registry: TempoRegistry):
    """The registered class that ``node["type"]`` names; refuses anything else, and ``_scope_``."""
    registry.import_from_location()
    known = registry.module_dict
    what = registry.name.removeprefix("tempo ")
    if "_scope_" in node:  # mmengine would import ``<scope>.registry``
        raise InputError(path, f"refused: '_scope_' {node['_scope_']!r} (tempo {what} configs name no scope)")
    kind = node.get("type")
    if not (isinstance(kind, str) and kind in known):
        name = kind if isinstance(kind, str) else type(kind).__name__
        raise InputError(path, f"refused: type {name!r} is not a tempo {what} type (known: {', '.join(sorted(known))})")
    return known[kind]


def check_name(name, path, registry: TempoRegistry) -> str:
    """``name`` (a bare type name from a data file, e.g. a text encoder) if ``registry`` holds it."""
    check_types({"type": name}, path, registry)
    return name


def check_bundle(bundle: dict, path) -> dict:
    """A detection or grounding bundle's JSON (``path``) is data: its model, feature backbone (``features`` or
    ``video_features``) and text encoder may name only tempo's own types."""
    check_types(bundle["model"], path, MODELS)
    for key in ("features", "video_features"):
        if (bundle.get(key) or {}).get("backbone") is not None:
            check_spec(bundle[key]["backbone"], path, BACKBONES)
    if (bundle.get("text") or {}).get("encoder") is not None:
        check_name(bundle["text"]["encoder"], path, TEXT_ENCODERS)
    return bundle


def check_spec(spec, path, registry: TempoRegistry):
    """A type given by name or as a config dict (``"TwoStream"`` or ``{"type": "Stack", ...}``), checked."""
    return check_name(spec, path, registry) if not isinstance(spec, dict) else check_types(spec, path, registry)
