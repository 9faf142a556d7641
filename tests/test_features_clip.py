"""CLIP through transformers: structure with a tiny random config (no real weights exist offline), loading a
HF folder / a safetensors file / a weights_only .bin, the same embedding space for text and images, and the
stage and the CLI using it as a backbone."""
import json

import numpy as np
import pytest
import torch

from tempo.errors import UsageError
from tempo.features import build_backbone, extract_features
from tempo.features.clip import CLIPWeights
from tempo.registry import BACKBONES, TEXT_ENCODERS
from tiny_clip import TINY, write_tiny_clip, write_tokenizer

SENTENCES = ["a man rides a bicycle", "the chef slices onions", "hi"]


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    return write_tokenizer(tmp_path_factory.mktemp("clip_tokenizer"))


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory):
    """A random tiny CLIPModel saved as a Hugging Face folder (config + safetensors + tokenizer)."""
    return write_tiny_clip(tmp_path_factory.mktemp("clip_hf"))


def test_weights_are_required_unless_random_init_is_asked_for():
    with pytest.raises(UsageError, match="allow_random_init"):
        TEXT_ENCODERS.build(dict(type="CLIPText", config=TINY))
    with pytest.raises(UsageError, match="allow_random_init"):
        BACKBONES.build(dict(type="CLIPImage", config=TINY))


def test_random_tiny_clip_text_and_image_share_one_space(tokenizer_dir):
    text = TEXT_ENCODERS.build(dict(type="CLIPText", config=TINY, tokenizer=str(tokenizer_dir),
                                    allow_random_init=True))
    image = BACKBONES.build(dict(type="CLIPImage", config=TINY, allow_random_init=True))
    emb = text.encode(SENTENCES)
    assert emb.shape == (3, 24) and emb.dtype == np.float32 and text.feature_dim == 24
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    frames = np.random.default_rng(0).integers(0, 256, (2, 40, 60, 3), dtype=np.uint8)  # resized + cropped
    img = image.forward_frames(frames)
    assert img.shape == (2, 24) == (2, image.feature_dim) and image.input_size == 32
    assert (img @ emb.T).shape == (2, 3)  # image and text embeddings compare directly
    feats, mask = text.encode_tokens(SENTENCES, max_tokens=8)
    assert feats.shape == (3, 8, 32) and mask.shape == (3, 8)  # token features: the tower's hidden size
    assert mask[0].all() and mask[2].sum() == 4  # <bos> h i</w> <eos>
    assert np.all(feats[2][~mask[2]] == 0)
    assert text.weights_id().startswith("random:")


def test_hf_folder_safetensors_file_and_bin_load_the_same_weights(clip_folder, tmp_path):
    from safetensors.torch import load_file

    text = TEXT_ENCODERS.build(dict(type="CLIPText", checkpoint=str(clip_folder)))
    image = BACKBONES.build(dict(type="CLIPImage", checkpoint=str(clip_folder)))
    state = load_file(clip_folder / "model.safetensors")
    bin_path = tmp_path / "clip.bin"
    torch.save({"state_dict": state}, bin_path)
    from_bin = BACKBONES.build(dict(type="CLIPImage", checkpoint=str(bin_path), config=str(clip_folder)))
    text_file = TEXT_ENCODERS.build(dict(type="CLIPText", checkpoint=str(clip_folder / "model.safetensors"),
                                         config=str(clip_folder / "config.json"), tokenizer=str(clip_folder)))
    frames = np.random.default_rng(1).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    np.testing.assert_array_equal(image.forward_frames(frames), from_bin.forward_frames(frames))
    np.testing.assert_array_equal(text.encode(SENTENCES), text_file.encode(SENTENCES))
    assert image.weights_id().startswith("file:")

    # the towers match transformers' own full CLIPModel on the same weights
    from transformers import CLIPModel

    full = CLIPModel.from_pretrained(str(clip_folder), local_files_only=True).eval()
    with torch.inference_mode():
        want = full.get_image_features(pixel_values=image.normalise(frames))
    want = getattr(want, "pooler_output", want)
    np.testing.assert_allclose(image.forward_frames(frames), want.numpy(), atol=1e-5)


def test_a_checkpoint_of_another_model_is_refused(clip_folder, tmp_path):
    from tempo.errors import InputError

    bad = tmp_path / "other.bin"
    torch.save({"encoder.weight": torch.zeros(2, 2)}, bad)
    with pytest.raises(InputError, match="weights missing"):
        CLIPWeights(bad, clip_folder).build("vision")
    with pytest.raises(UsageError, match="needs config"):
        CLIPWeights(bad)


def test_clip_image_as_an_extraction_backbone(clip_folder, tmp_path):
    from media import make_video
    from tempo.cli import main

    video = make_video(tmp_path / "v.mp4", n=20, width=64, height=48, fps=10)
    feats, meta = extract_features(video, {"type": "CLIPImage", "checkpoint": str(clip_folder)},
                                   cache=tmp_path / "cache")
    assert feats.shape == ((20 - 16) // 4 + 1, 24) and meta["size"] == 32
    assert main(["extract", str(video), "-o", str(tmp_path / "out"), "--backbone", "CLIPImage",
                 "--checkpoint", str(clip_folder), "--cache-dir", str(tmp_path / "cache")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "v.npy"), feats)
    assert json.loads((tmp_path / "out" / "v.json").read_text())["backbone"]["type"] == "CLIPImage"
    assert build_backbone({"type": "CLIPImage", "checkpoint": str(clip_folder)}).feature_dim == 24
