"""Every action's annotation agrees with what the renderer draws: measured on the object's silhouette
(centroid, area, turning, visibility) and colour, over many planned scenes."""
import numpy as np
import pytest

from tempo.data.synth import ACTION_NAMES
from tempo.data.synth.render import SceneRenderer
from tempo.data.synth.timeline import plan_scene
from tempo.data.synth.vocab import COLOURS

from test_synth_helpers import centroid, mean_colour, silhouette_at, tiny_spec, turn_between


@pytest.fixture(scope="module")
def instances_by_action():
    """Plan scenes until every action has a few instances (planning is cheap; nothing is encoded)."""
    found = {a: [] for a in ACTION_NAMES}
    spec = tiny_spec()
    for seed in range(300):
        plan = plan_scene(np.random.default_rng(seed), spec)
        renderer = None
        for inst in plan.instances:
            if len(found[inst.action]) < 3:
                renderer = renderer or SceneRenderer(plan)
                found[inst.action].append((renderer, inst))
        if all(len(v) >= 3 for v in found.values()):
            break
    assert all(found.values()), {a: len(v) for a, v in found.items()}
    return found


def _ends(inst, fps):
    return int(round(inst.start * fps)), int(round(inst.end * fps))


@pytest.mark.parametrize("action,axis,sign", [("move_left", 0, -1), ("move_right", 0, 1),
                                              ("move_up", 1, -1), ("move_down", 1, 1)])
def test_moves_shift_the_centroid(instances_by_action, action, axis, sign):
    for renderer, inst in instances_by_action[action]:
        p = renderer.plan
        times = np.linspace(inst.start, inst.end, 6)
        cs = [centroid(silhouette_at(renderer, inst.obj, t))[axis] for t in times]
        steps = np.diff(cs) * sign
        assert np.all(steps > 0), (action, cs)  # moves the right way throughout the segment
        assert (cs[-1] - cs[0]) * sign >= 0.14 * (p.width if axis == 0 else p.height)
        before = centroid(silhouette_at(renderer, inst.obj, inst.end + 0.2))[axis]
        assert abs(before - cs[-1]) < 1.0  # and stays there afterwards


@pytest.mark.parametrize("action", ["grow", "shrink"])
def test_area_grows_or_shrinks(instances_by_action, action):
    for renderer, inst in instances_by_action[action]:
        areas = [silhouette_at(renderer, inst.obj, t).sum() for t in np.linspace(inst.start, inst.end, 5)]
        ratio = areas[-1] / areas[0]
        assert (ratio > 1.5) if action == "grow" else (ratio < 1 / 1.5), (action, areas)
        assert np.all(np.diff(areas) > 0) if action == "grow" else np.all(np.diff(areas) < 0)


@pytest.mark.parametrize("action,sign", [("rotate_cw", 1), ("rotate_ccw", -1)])
def test_rotation_direction(instances_by_action, action, sign):
    for renderer, inst in instances_by_action[action]:
        obj = renderer.plan.objects[inst.obj]
        if obj.shape == "circle":  # a disc's outline does not turn; its texture does (not measured here)
            continue
        turns = []
        for t in np.linspace(inst.start, inst.end, 5)[:-1]:
            dt = 8.0 / abs(inst.params["degrees"]) * (inst.end - inst.start)  # 8 degrees apart
            a, b = (silhouette_at(renderer, inst.obj, x, zoom=4) for x in (t, t + dt))
            turns.append(turn_between(a, b))
        assert all(4 <= x * sign <= 12 for x in turns), (action, turns)


def test_blink_hides_then_shows(instances_by_action):
    for renderer, inst in instances_by_action["blink"]:
        fps = renderer.plan.fps
        a, b = _ends(inst, fps)
        visible = [renderer.object_mask(inst.obj, i).any() for i in range(a, b + 1)]
        assert not all(visible[1:-1]) and visible[-1], visible
        assert renderer.object_mask(inst.obj, a - 1).any() if a > 0 else True


def test_appear_and_disappear(instances_by_action):
    for renderer, inst in instances_by_action["appear"]:
        a, b = _ends(inst, renderer.plan.fps)
        assert not renderer.object_mask(inst.obj, a).any()
        assert renderer.object_mask(inst.obj, b).any()
    for renderer, inst in instances_by_action["disappear"]:
        p = renderer.plan
        a, b = _ends(inst, p.fps)
        assert renderer.object_mask(inst.obj, a).any()
        nxt = [j.start for j in p.objects[inst.obj].instances if j.start > inst.start]
        stop = int(round(nxt[0] * p.fps)) if nxt else p.num_frames - 1
        for i in range(b, stop + 1):
            assert not renderer.object_mask(inst.obj, i).any()  # absent until it appears again


def test_bounce_goes_up_and_lands(instances_by_action):
    for renderer, inst in instances_by_action["bounce"]:
        ys = [centroid(silhouette_at(renderer, inst.obj, t))[1] for t in np.linspace(inst.start, inst.end, 41)]
        assert min(ys) < ys[0] - 0.8 * inst.params["height"]
        assert abs(ys[-1] - ys[0]) < 1.0


def test_change_colour_ends_in_the_new_colour(instances_by_action):
    for renderer, inst in instances_by_action["change_colour"]:
        p = renderer.plan
        a, b = _ends(inst, p.fps)
        before = renderer.plan.objects[inst.obj].state(inst.start).colour_name
        start, end = mean_colour(renderer, inst.obj, a), mean_colour(renderer, inst.obj, b)
        old, new = np.array(COLOURS[before], float), np.array(COLOURS[inst.params["to"]], float)
        assert np.linalg.norm(start - old) < np.linalg.norm(start - new)
        assert np.linalg.norm(end - new) < np.linalg.norm(end - old)
        assert np.linalg.norm(end - new) < 20


def test_instances_never_overlap_on_one_object_and_last_0_3_to_30_s(instances_by_action):
    spec = tiny_spec(duration=(40.0, 40.0))
    for seed in range(20):
        plan = plan_scene(np.random.default_rng(seed), spec)
        for obj in plan.objects:
            spans = [(i.start, i.end) for i in obj.instances]
            assert all(e0 <= s1 for (_, e0), (s1, _) in zip(spans, spans[1:]))
            assert all(0.3 - 1e-9 <= e - s <= 30 + 1e-9 for s, e in spans)
            assert all(0 <= s and e <= plan.duration for s, e in spans)
            if not obj.labelled:
                assert not obj.instances
