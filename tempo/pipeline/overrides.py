"""``--cfg-options key=value`` for pipeline configs, as mmengine tools take them, plus one shorthand.

Keys are mmengine dotted paths into the config (``stages.2.min_score=0.3``, list indices allowed) or
``<StageType>.<param>`` (``DetectionPost.min_score=0.3``): the param of every stage of that type, so an
override survives a stage being added before it. Values are parsed as mmengine's ``DictAction`` does
(numbers, booleans, None, lists ``[a,b]``). The CLI commands turn their flags into the same overrides.

A stage param written ``"@name"`` takes the config's top-level ``name`` after the overrides, so settings
several stages share (the detector's checkpoint: its features and its network) are given once
(``detector.checkpoint=x.safetensors``).
"""
from __future__ import annotations

from ..errors import UsageError


def parse_options(pairs: list[str]) -> dict:
    """``["a.b=1", "c=[x,y]"]`` -> ``{"a.b": 1, "c": ["x", "y"]}`` (mmengine's parsing, see ``parse_value``)."""
    options = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--cfg-options {pair!r}: expected key=value")
        options[key] = parse_value(value)
    return options


_SPACE = "\x1f"  # stands for a space inside a value while mmengine parses it


def parse_value(value: str):
    """mmengine's ``DictAction`` parsing (numbers, booleans, None, ``[a,b]`` lists, ``a,b``), except that spaces
    inside a value are kept -- mmengine drops every space, so ``query=the red square`` would search
    "theredsquare" -- and a value in quotes is one literal string (``query='a dog, running'``)."""
    import re

    from mmengine.config import DictAction

    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    v = re.sub(r"\s*([,\[\]()])\s*", r"\1", v)  # spaces around separators are layout, not content
    return _restore_spaces(DictAction._parse_iterable(v.replace(" ", _SPACE)))


def _restore_spaces(value):
    if isinstance(value, str):
        return value.replace(_SPACE, " ")
    if isinstance(value, (list, tuple)):
        return type(value)(_restore_spaces(v) for v in value)
    return value


def apply_overrides(cfg, options: dict) -> None:
    """Merge ``options`` into the mmengine ``cfg`` in place."""
    plain = {}
    lists = [name for name in ("stages", "folder_stages") if name in cfg]
    for key, value in options.items():
        head, _, rest = key.partition(".")
        matches = [f"{name}.{i}" for name in lists for i, s in enumerate(cfg[name]) if s.get("type") == head]
        if matches and rest:
            for path in matches:
                plain[f"{path}.{rest}"] = value
        elif head in cfg:
            plain[key] = value
        else:
            types = ", ".join(dict.fromkeys(str(s.get("type")) for name in lists for s in cfg[name]))
            raise UsageError(f"--cfg-options {key}: the config has no {head!r} (stages: {types})")
    try:
        cfg.merge_from_dict(plain, allow_list_keys=True)
    except (KeyError, IndexError, TypeError) as exc:
        raise UsageError(f"--cfg-options: {exc}") from None


def resolve_refs(cfg, stages: list[dict]) -> list[dict]:
    """Stage params ``"@name"`` -> ``cfg[name]`` (plain Python values)."""
    def value(v):
        if isinstance(v, str) and v.startswith("@") and v[1:] in cfg:
            ref = cfg[v[1:]]
            return ref.to_dict() if hasattr(ref, "to_dict") else ref
        return v

    return [{k: value(v) for k, v in s.items()} for s in stages]
