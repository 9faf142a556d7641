"""Plan a scene: which objects exist, where, and which labelled actions each performs when.

Instances on one object never overlap (its state is a chain of actions); instances on different
objects may. Times are snapped to frame times so the annotations are exact in frames.
Distractor objects wander along small orbits and never perform a labelled action.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .actions import ACTIONS, Frame, State
from .vocab import COLOURS, SHAPES, SIZE_BOUNDS, TEXTURES, size_class


@dataclass
class Instance:
    action: str
    start: float
    end: float
    params: dict
    obj: int


@dataclass
class SceneObject:
    index: int
    shape: str
    texture: str
    initial: State
    labelled: bool
    instances: list = field(default_factory=list)
    wander: dict | None = None  # distractors: {"rx", "ry", "period", "phase"} in pixels / seconds
    _before: list = field(default_factory=list, repr=False)  # state at each instance's start

    def finalize(self) -> None:
        """Cache the state before each instance (actions chain: each starts where the last ended)."""
        s, self._before = self.initial, []
        for inst in self.instances:
            self._before.append(s)
            s = ACTIONS[inst.action].at(s, inst.params, 1.0)

    def state(self, t: float) -> State:
        s = self.initial
        for inst, before in zip(self.instances, self._before):
            if t < inst.start:
                break
            u = (t - inst.start) / (inst.end - inst.start)
            s = ACTIONS[inst.action].at(before, inst.params, min(u, 1.0))
            if u < 1.0:
                break
        if self.wander:
            w = self.wander
            ph = 2 * np.pi * t / w["period"] + w["phase"]
            s = State(s.x + w["rx"] * np.sin(ph), s.y + w["ry"] * np.cos(ph), s.r, s.angle, s.alpha,
                      s.colour, s.colour_name)
        return s

    def attributes(self, t: float, min_side: int) -> dict:
        """Describable attributes at time t (colour and size change with actions)."""
        s = self.state(t)
        return {"shape": self.shape, "colour": s.colour_name, "size": size_class(s.r, min_side),
                "texture": self.texture}


@dataclass
class ScenePlan:
    width: int
    height: int
    fps: float
    num_frames: int
    seed: int  # for the background, camera, lighting and noise draws
    noise_sigma: float
    objects: list

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps

    @property
    def instances(self) -> list:
        return sorted((i for o in self.objects for i in o.instances), key=lambda i: (i.start, i.obj))


@dataclass(frozen=True)
class SceneSpec:
    """Knobs of the scene sampler (a preset holds one)."""
    width: int
    height: int
    fps: float
    duration: tuple  # (min, max) seconds
    objects: tuple = (1, 5)
    distractor_prob: float = 0.35  # each object after the first is a distractor with this probability
    noise_sigma: tuple = (1.0, 5.0)
    max_instance: float = 30.0
    gap: tuple = (0.2, 4.0)


def _loguniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if hi > lo else float(lo)


def _new_object(rng, index, frame: Frame, others: list, labelled: bool) -> SceneObject:
    ms = frame.min_side
    for _ in range(50):  # look for an attribute combination no other object has
        if others and rng.random() < 0.5:  # shared shapes make captions need colour/size/texture
            shape = others[int(rng.integers(len(others)))].shape
        else:
            shape = SHAPES[int(rng.integers(len(SHAPES)))]
        colour = list(COLOURS)[int(rng.integers(len(COLOURS)))]
        size = list(SIZE_BOUNDS)[int(rng.integers(3))]
        tex = TEXTURES[int(rng.integers(len(TEXTURES)))]
        if all((o.shape, o.initial.colour_name, size_class(o.initial.r, ms), o.texture) != (shape, colour, size, tex)
               for o in others):
            break
    lo, hi = SIZE_BOUNDS[size]
    r = float(rng.uniform(lo, hi * 0.98) * ms)
    pad = r + frame.margin + 1
    x = float(rng.uniform(pad, frame.width - pad))
    y = float(rng.uniform(pad, frame.height - pad))
    hidden = labelled and rng.random() < 0.2
    state = State(x, y, r, float(rng.uniform(0, 360)), 0.0 if hidden else 1.0, COLOURS[colour], colour)
    obj = SceneObject(index, shape, tex, state, labelled)
    if not labelled and rng.random() < 0.8:
        rx, ry = (float(v) for v in rng.uniform(0.02, 0.07, 2) * ms)
        rx, ry = min(rx, max(0.0, x - pad)), min(ry, max(0.0, y - pad))  # keep the orbit in the frame
        rx, ry = min(rx, max(0.0, frame.width - pad - x)), min(ry, max(0.0, frame.height - pad - y))
        obj.wander = {"rx": rx, "ry": ry, "period": float(rng.uniform(2, 8)), "phase": float(rng.uniform(0, 6.3))}
    return obj


def _choose_action(rng, obj: SceneObject, state: State, frame: Frame, used_by_others: set):
    names = [n for n, a in ACTIONS.items() if a.feasible(state, frame)]
    if obj.shape == "circle" and obj.texture == "plain":  # a turning plain disc looks the same
        names = [n for n in names if not n.startswith("rotate")]
    if not names:
        return None
    shared = [n for n in names if n in used_by_others]
    if shared and rng.random() < 0.3:  # the same action on several objects: captions must tell them apart
        names = shared
    # Disappearing hides the object until it appears again, so draw it less often than the rest.
    weights = np.array([0.4 if n == "disappear" else 1.0 for n in names])
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def _plan_instances(rng, obj: SceneObject, spec: SceneSpec, frame: Frame, num_frames: int, used: set) -> None:
    fps = frame.fps
    last = (num_frames - 1) / fps
    t = rng.uniform(0, 2.0)
    state = obj.initial
    while t < last - 0.3:
        name = _choose_action(rng, obj, state, frame, used)
        if name is None:
            break
        action = ACTIONS[name]
        hi = min(action.max_duration, spec.max_instance, last - t)
        if hi < action.min_duration:
            break
        start = round(t * fps) / fps
        frames = max(int(np.ceil(action.min_duration * fps - 1e-6)),
                     round(_loguniform(rng, action.min_duration, hi) * fps))
        end = start + frames / fps
        if end > last + 1e-9:
            break
        params = action.sample(state, frame, end - start, rng)
        obj.instances.append(Instance(name, float(start), float(end), params, obj.index))
        state = action.at(state, params, 1.0)
        t = end + _loguniform(rng, *spec.gap)


def plan_scene(rng, spec: SceneSpec, duration: float | None = None) -> ScenePlan:
    """Sample one scene. ``duration`` overrides the preset's range (seconds)."""
    frame = Frame(spec.width, spec.height, spec.fps)
    if duration is None:
        duration = _loguniform(rng, *spec.duration)
    num_frames = max(2, int(round(duration * spec.fps)))
    n_obj = int(rng.integers(spec.objects[0], spec.objects[1] + 1))
    objects, used = [], set()
    for i in range(n_obj):
        labelled = i == 0 or rng.random() >= spec.distractor_prob
        obj = _new_object(rng, i, frame, objects, labelled)
        if labelled:  # only other objects' actions count as "shared"
            _plan_instances(rng, obj, spec, frame, num_frames, set(used))
            used.update(i.action for i in obj.instances)
        obj.finalize()
        objects.append(obj)
    seed = int(rng.integers(2**31))
    sigma = float(rng.uniform(*spec.noise_sigma))
    return ScenePlan(spec.width, spec.height, spec.fps, num_frames, seed, sigma, objects)
