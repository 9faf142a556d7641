"""Text encoders: the bundled MiniLM gives real sentence similarity, offline."""
import numpy as np
import pytest

from tempo.registry import TEXT_ENCODERS
import tempo.features  # noqa: F401  (registers the encoders)


@pytest.fixture(scope="module")
def minilm():
    return TEXT_ENCODERS.build(dict(type="MiniLM"))


def test_minilm_paraphrase_is_far_closer_than_unrelated(minilm):
    emb = minilm.encode(["a man rides a bicycle down the street", "a person is cycling along the road",
                         "the chef slices onions in the kitchen"])
    assert emb.shape == (3, 384) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    sim = emb @ emb.T
    assert sim[0, 1] > 0.4 and sim[0, 1] > sim[0, 2] + 0.3 and sim[1, 1] > sim[1, 2] + 0.3


def test_minilm_token_features_are_padded_and_masked(minilm):
    feats, mask = minilm.encode_tokens(["a man rides a bicycle down the street", "hello"], max_tokens=6)
    assert feats.shape == (2, 6, 384) and mask.shape == (2, 6)
    assert mask[0].all() and 1 < mask[1].sum() < 6  # [CLS] hello [SEP]
    assert np.all(feats[1][~mask[1]] == 0) and np.abs(feats[0]).sum() > 0
    assert minilm.weights_id().startswith("file:")


def test_minilm_load_prints_no_transformers_progress_bar(capfd):
    # transformers draws "Loading weights: 100%|...| 103/103" on every load unless tempo turns it off
    from transformers.utils import logging as hf_logging

    TEXT_ENCODERS.build(dict(type="MiniLM")).encode(["a fresh load"])
    out, err = capfd.readouterr()
    assert "Loading weights" not in out + err and "it/s" not in out + err
    assert hf_logging.is_progress_bar_enabled()  # switched off for the load only, not for the user's own code
