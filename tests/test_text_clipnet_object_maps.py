"""Dense object labels for TextClipNet (tempo.models.text_clipnet.object_maps): every cell of the last map is told
which object covers it (or background), that object's attributes and its action — checked against the rendered
pixels and the scene plan; mirrored with the frame; and trained through the trainer's object head."""
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from tempo.data.synth.render import SceneRenderer
from tempo.data.synth.seeding import jobs_for, scene_plan
from tempo.models.text_clipnet.frames import fit_square
from tempo.models.text_clipnet.instances import HFLIP_ACTIONS
from tempo.models.text_clipnet.model import TextClipNetTrainer
from tempo.models.text_clipnet.object_maps import HEAD_SIZES, NO_ACTION, flip_map, object_map
from tempo.models.text_clipnet.semantics import ACTIONS, VALUES

BACKGROUND = HEAD_SIZES["shape"] - 1


def _plans():
    return [scene_plan(j) for j in jobs_for("ground", "tiny", 0, "-") if j.split == "train"]


def test_cells_name_the_object_the_renderer_draws_there_and_what_it_does():
    checked = acting = 0
    for plan in _plans():
        renderer = SceneRenderer(plan)
        for frame in range(0, plan.num_frames, 7):
            cover, labels = object_map(plan, frame, 8)
            t = frame / plan.fps
            masks = [fit_square(renderer.object_mask(k, frame).astype(np.float32), 8)
                     for k in range(len(plan.objects))]
            for y, x in zip(*np.nonzero(labels[0] != -1)):
                if labels[0, y, x] == BACKGROUND:
                    assert all(m[y, x] < 0.05 for m in masks)  # no object is drawn there
                    continue
                # one of the objects drawn over this cell has the labelled shape, colour and action
                drawn = [k for k, m in enumerate(masks) if m[y, x] > 0.1]
                described = []
                for k in drawn:
                    obj = plan.objects[k]
                    action = next((ACTIONS.index(i.action) for i in obj.instances if i.start <= t < i.end),
                                  NO_ACTION)
                    described.append((VALUES["shape"].index(obj.shape),
                                      VALUES["colour"].index(obj.state(t).colour_name), action))
                assert (labels[0, y, x], labels[1, y, x], labels[4, y, x]) in described
                checked += 1
                acting += labels[4, y, x] != NO_ACTION
            assert cover.min() >= 0 and cover.max() <= 1
    assert checked > 50 and acting > 5  # the tiny scenes do have objects, some of them acting


def test_a_mirrored_map_mirrors_cells_and_swaps_left_right_actions():
    plan = _plans()[0]
    cover, labels = object_map(plan, plan.num_frames // 2, 8)
    labels[4, 0, 0] = ACTIONS.index("move_left")  # make sure a left/right action is there
    flipped_cover, flipped = flip_map(cover, labels)
    np.testing.assert_array_equal(flipped_cover, cover[:, ::-1])
    np.testing.assert_array_equal(flipped[:4], labels[:4, :, ::-1])
    assert flipped[4, 0, 7] == ACTIONS.index("move_right")
    mirrored = labels[4, :, ::-1]
    known = (mirrored >= 0) & (mirrored < NO_ACTION)
    np.testing.assert_array_equal(flipped[4][known], HFLIP_ACTIONS[mirrored[known]])
    np.testing.assert_array_equal(flipped[4][~known], mirrored[~known])


def test_the_object_head_learns_the_maps_and_is_optional_when_continuing(tmp_path):
    torch.manual_seed(0)
    tiny = dict(widths=(8, 16), temporal_strides=(1, 2), embed_dim=16, text_hidden=32, clip_frames=4,
                input_size=32, init_body=None)
    model = TextClipNetTrainer(**tiny, object_weight=1.0)
    clips = torch.randint(0, 255, (2, 4, 32, 32, 3), dtype=torch.uint8)
    objects = -torch.ones(2, 5, 8, 8, dtype=torch.long)
    objects[:, 0] = BACKGROUND
    objects[:, :, 2:4, 2:4] = torch.tensor([1, 2, 0, 3, 4])[:, None, None]
    text = torch.randn(3, 384)
    batch = dict(text=text, labels=torch.tensor([[1, 0, -1], [0, 1, 0]], dtype=torch.int8),
                 own=torch.zeros(2, 3, dtype=torch.int8), actions=torch.zeros(2, 13),
                 cover=torch.zeros(2, 8, 8), objects=objects)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        losses = model(clips, mode="loss", **batch)
        first = losses["loss_objects"].item() if first is None else first
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
    assert losses["loss_objects"].item() < 0.5 * first
    # a network trained without the head starts one that has it (the head starts fresh), and back
    plain = TextClipNetTrainer(**tiny)
    save_file(plain.state_dict(), str(tmp_path / "plain.safetensors"))
    grown = TextClipNetTrainer(**tiny, object_weight=1.0, init_from=str(tmp_path / "plain.safetensors"))
    torch.testing.assert_close(grown.network.state_dict(), plain.network.state_dict())
    save_file(model.state_dict(), str(tmp_path / "objects.safetensors"))
    back = TextClipNetTrainer(**tiny, init_from=str(tmp_path / "objects.safetensors"))
    torch.testing.assert_close(back.network.state_dict(), model.network.state_dict())
    save_file({"network.other.weight": torch.zeros(1)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(RuntimeError, match="not a TextClipNet"):
        TextClipNetTrainer(**tiny, init_from=str(tmp_path / "other.safetensors"))
