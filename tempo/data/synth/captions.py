"""Template captions for grounding queries: attribute words + an action phrase, with synonyms.

A query describes one object by the fewest attributes that single it out among the objects in
the video at that moment (shape always, then colour / size / texture as needed), so when several
objects act the attributes are what picks the right one. Its relevant windows are *all* instances
of that action by any object matching the description, so the ground truth stays exact even if two
objects look alike.
"""
from __future__ import annotations

from .vocab import COLOUR_WORDS, SHAPE_WORDS, SIZE_WORDS, TEXTURE_WORDS

ACTION_PHRASES = {
    "move_left": ["moves to the left", "slides left", "travels leftward", "drifts toward the left side"],
    "move_right": ["moves to the right", "slides right", "travels rightward", "drifts toward the right side"],
    "move_up": ["moves up", "rises", "travels upward", "slides toward the top"],
    "move_down": ["moves down", "sinks", "travels downward", "slides toward the bottom"],
    "grow": ["grows", "gets bigger", "expands", "increases in size"],
    "shrink": ["shrinks", "gets smaller", "contracts", "decreases in size"],
    "rotate_cw": ["spins clockwise", "rotates clockwise", "turns clockwise"],
    "rotate_ccw": ["spins counterclockwise", "rotates anticlockwise", "turns counter-clockwise"],
    "blink": ["blinks", "flickers", "flashes on and off"],
    "change_colour": ["changes colour", "turns {to}", "changes its colour to {to}", "switches colour"],
    "bounce": ["bounces", "hops up and down", "jumps up and down"],
    "appear": ["appears", "shows up", "comes into view", "fades in"],
    "disappear": ["disappears", "vanishes", "fades away", "goes out of view"],
}

SENTENCES = ["the {desc} {verb}", "a {desc} {verb}", "when the {desc} {verb}", "{desc_cap} {verb}.",
             "the moment the {desc} {verb}"]

_ORDER = ["size", "texture", "colour", "shape"]  # English adjective order
_WORDS = {"size": SIZE_WORDS, "texture": TEXTURE_WORDS, "colour": COLOUR_WORDS, "shape": SHAPE_WORDS}
_SUBSETS = [("shape",), ("colour", "shape"), ("size", "shape"), ("texture", "shape"),
            ("size", "colour", "shape"), ("colour", "texture", "shape"), ("size", "texture", "shape"),
            ("size", "colour", "texture", "shape")]


def distinguishing_keys(target: dict, others: list) -> tuple:
    """The first (fewest) attribute subset under which no other object matches the target."""
    for keys in _SUBSETS:
        if not any(all(o[k] == target[k] for k in keys) for o in others):
            return keys
    return _SUBSETS[-1]


def matches(attrs: dict, described: dict) -> bool:
    return all(attrs[k] == v for k, v in described.items())


def describe(described: dict, rng) -> str:
    words = []
    for key in _ORDER:
        if key in described:
            options = _WORDS[key][described[key]]
            words.append(options[int(rng.integers(len(options)))])
    return " ".join(words)


def pick_phrase(action: str, rng) -> str:
    """One phrasing of the action; a phrase naming the new colour ("turns {to}") narrows the query to
    colour changes into that colour, so the caller must match on it."""
    phrases = ACTION_PHRASES[action]
    return phrases[int(rng.integers(len(phrases)))]


def caption(described: dict, verb: str, params: dict, rng) -> str:
    if "{to}" in verb:
        words = COLOUR_WORDS[params["to"]]
        verb = verb.format(to=words[int(rng.integers(len(words)))])
    desc = describe(described, rng)
    template = SENTENCES[int(rng.integers(len(SENTENCES)))]
    return template.format(desc=desc, desc_cap=desc[:1].upper() + desc[1:], verb=verb)
