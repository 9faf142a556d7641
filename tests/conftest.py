"""Shared pytest fixtures: parity fixture roots and scratch folders."""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def parity_root() -> Path:
    """Fixture root: ``TEMPO_PARITY_DIR`` or ``../shared/parity`` beside the repository."""
    return Path(os.environ.get("TEMPO_PARITY_DIR", REPO_ROOT.parent / "shared" / "parity"))


# Parity fixtures are official-format checkpoints with random weights, inputs and the official implementations'
# outputs (the spec each head reproduces); they are not in the repository. CI has them beside the clone.
PARITY_SKIP = ("parity fixtures for {family} not found under {root} (official checkpoints, inputs and outputs "
               "that tests/parity/ compares against; CI has them at ../shared/parity beside the clone; set "
               "TEMPO_PARITY_DIR=/path/to/parity to run these tests)")


@pytest.fixture(scope="session")
def parity_dir():
    """Return a function ``family -> Path`` that skips the test when that family's fixtures are absent."""

    def get(family: str) -> Path:
        path = parity_root() / family
        if not path.is_dir():
            pytest.skip(PARITY_SKIP.format(family=family, root=parity_root()))
        return path

    return get


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a test module: on a shared 2-core machine several threads spin against
    each other and run ~10x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """Commands that run a pipeline cache their outputs (videos too): each test its own cache, never the user's."""
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
