"""The labelled actions. Each is defined by a change over time (no single frame tells them apart):
given the object's state when the action starts, its parameters and the progress u in [0, 1],
an action gives the state at that moment. The state at u = 1 persists afterwards (an object that
moved left stays there; one that disappeared stays hidden until it appears again)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .vocab import COLOURS, SIZE_BOUNDS


@dataclass(frozen=True)
class State:
    x: float
    y: float
    r: float  # radius in pixels
    angle: float  # degrees, clockwise on screen
    alpha: float  # 0 hidden .. 1 fully visible
    colour: tuple  # RGB floats
    colour_name: str


@dataclass(frozen=True)
class Frame:
    """What actions need to know about the picture."""
    width: int
    height: int
    fps: float

    @property
    def min_side(self) -> int:
        return min(self.width, self.height)

    @property
    def margin(self) -> float:
        return 0.03 * self.min_side


class Action:
    name = ""
    min_duration = 0.3
    max_duration = 30.0

    def feasible(self, s: State, f: Frame) -> bool:
        return s.alpha == 1.0

    def sample(self, s: State, f: Frame, duration: float, rng) -> dict:
        return {}

    def at(self, s: State, p: dict, u: float) -> State:
        raise NotImplementedError


class Move(Action):
    min_duration, max_duration = 0.3, 30.0

    def __init__(self, name: str, axis: int, sign: int):
        self.name, self.axis, self.sign = name, axis, sign

    def _room(self, s: State, f: Frame) -> float:
        pos, size = (s.x, f.width) if self.axis == 0 else (s.y, f.height)
        return (pos - s.r - f.margin) if self.sign < 0 else (size - f.margin - s.r - pos)

    def feasible(self, s, f):
        return s.alpha == 1.0 and self._room(s, f) >= 0.15 * (f.width if self.axis == 0 else f.height)

    def sample(self, s, f, duration, rng):
        span = f.width if self.axis == 0 else f.height
        return {"distance": float(rng.uniform(0.15 * span, min(0.45 * span, self._room(s, f))))}

    def at(self, s, p, u):
        d = self.sign * p["distance"] * u
        return replace(s, x=s.x + d) if self.axis == 0 else replace(s, y=s.y + d)


class Scale(Action):
    min_duration, max_duration = 0.3, 20.0

    def __init__(self, name: str, grow: bool):
        self.name, self.grow = name, grow

    def _max_factor(self, s, f):
        if self.grow:  # stay inside the frame and below the largest size class
            room = min(s.x, f.width - s.x, s.y, f.height - s.y) - f.margin
            return min(SIZE_BOUNDS["large"][1] * f.min_side, room) / s.r
        return s.r / (SIZE_BOUNDS["small"][0] * f.min_side)

    def feasible(self, s, f):
        return s.alpha == 1.0 and self._max_factor(s, f) >= 1.4

    def sample(self, s, f, duration, rng):
        factor = float(rng.uniform(1.4, min(2.4, self._max_factor(s, f))))
        return {"factor": factor if self.grow else 1.0 / factor}

    def at(self, s, p, u):
        return replace(s, r=s.r * p["factor"] ** u)


class Rotate(Action):
    min_duration, max_duration = 0.3, 30.0

    def __init__(self, name: str, sign: int):
        self.name, self.sign = name, sign

    def sample(self, s, f, duration, rng):
        speed = rng.uniform(60.0, 240.0)  # degrees per second
        return {"degrees": float(self.sign * max(90.0, speed * duration))}

    def at(self, s, p, u):
        return replace(s, angle=s.angle + p["degrees"] * u)


class Blink(Action):
    """Hidden in the first half of each period, visible in the second: it ends visible."""
    name, min_duration, max_duration = "blink", 0.4, 10.0

    def sample(self, s, f, duration, rng):
        period = max(rng.uniform(0.3, 0.8), 2.0 / f.fps)
        return {"cycles": int(max(1, round(duration / period)))}

    def at(self, s, p, u):
        if u <= 0 or u >= 1:
            return s
        return replace(s, alpha=0.0 if (u * p["cycles"]) % 1.0 < 0.5 else 1.0)


class ChangeColour(Action):
    name, min_duration, max_duration = "change_colour", 0.3, 15.0

    def sample(self, s, f, duration, rng):
        others = [c for c in COLOURS if c != s.colour_name]
        return {"to": others[int(rng.integers(len(others)))]}

    def at(self, s, p, u):
        target = np.asarray(COLOURS[p["to"]], float)
        colour = tuple(float(c) for c in (1 - u) * np.asarray(s.colour) + u * target)
        return replace(s, colour=colour, colour_name=p["to"] if u >= 1 else s.colour_name)


class Bounce(Action):
    name, min_duration, max_duration = "bounce", 0.4, 12.0

    def feasible(self, s, f):
        return s.alpha == 1.0 and s.y - s.r - f.margin >= 0.12 * f.height

    def sample(self, s, f, duration, rng):
        period = rng.uniform(0.4, 1.2)
        room = s.y - s.r - f.margin
        return {"bounces": int(max(1, round(duration / period))),
                "height": float(rng.uniform(0.12 * f.height, min(0.3 * f.height, room)))}

    def at(self, s, p, u):
        return replace(s, y=s.y - p["height"] * abs(np.sin(np.pi * p["bounces"] * u)))


class Appear(Action):
    name, min_duration, max_duration = "appear", 0.3, 4.0

    def feasible(self, s, f):
        return s.alpha == 0.0

    def at(self, s, p, u):
        return replace(s, alpha=float(np.clip(u, 0, 1)))


class Disappear(Action):
    name, min_duration, max_duration = "disappear", 0.3, 4.0

    def at(self, s, p, u):
        return replace(s, alpha=float(np.clip(1 - u, 0, 1)))


ACTION_LIST = [
    Move("move_left", 0, -1), Move("move_right", 0, 1), Move("move_up", 1, -1), Move("move_down", 1, 1),
    Scale("grow", True), Scale("shrink", False), Rotate("rotate_cw", 1), Rotate("rotate_ccw", -1),
    Blink(), ChangeColour(), Bounce(), Appear(), Disappear(),
]
ACTIONS = {a.name: a for a in ACTION_LIST}
ACTION_NAMES = [a.name for a in ACTION_LIST]  # label_id = index in this list
