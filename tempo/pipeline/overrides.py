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
    """``["a.b=1", "c=[x,y]"]`` -> ``{"a.b": 1, "c": ["x", "y"]}`` (mmengine's parsing)."""
    from mmengine.config import DictAction

    options = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--cfg-options {pair!r}: expected key=value")
        options[key] = DictAction._parse_iterable(value)
    return options


def apply_overrides(cfg, options: dict) -> None:
    """Merge ``options`` into the mmengine ``cfg`` in place."""
    plain = {}
    for key, value in options.items():
        head, _, rest = key.partition(".")
        matches = [i for i, s in enumerate(cfg.stages) if s.get("type") == head]
        if matches and rest:
            for i in matches:
                plain[f"stages.{i}.{rest}"] = value
        elif head in cfg:
            plain[key] = value
        else:
            types = ", ".join(dict.fromkeys(str(s.get("type")) for s in cfg.stages))
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
