"""Memory-frame selection with a bounded bank."""
import pytest

from tempo.models.onion_peel.memory_bank import last_use, memory_indices, select_memory


def brute_force(frame, midx, k):
    others = [m for m in midx if m != frame]
    return sorted(sorted(others, key=lambda m: (abs(m - frame), m))[:k])


@pytest.mark.parametrize("num_frames,every,k", [(23, 5, 1), (23, 5, 2), (40, 3, 4), (12, 1, 3), (9, 2, 1)])
def test_nearest_k_matches_brute_force(num_frames, every, k):
    midx = memory_indices(num_frames, every)
    for f in range(num_frames):
        assert select_memory(f, midx, k) == brute_force(f, midx, k)


def test_unbounded_bank_is_the_official_choice():
    midx = memory_indices(8, 5)
    assert midx == [0, 5]
    assert [select_memory(f, midx, None) for f in range(8)] == [[5], [0, 5], [0, 5], [0, 5], [0, 5], [0], [0, 5],
                                                                  [0, 5]]
    assert select_memory(0, [0], None) == []  # a short clip: frame 0 has no memory at all


def test_last_use_covers_every_read():
    midx = memory_indices(30, 1)
    last = last_use(30, midx, 1)
    for f in range(30):
        for m in select_memory(f, midx, 1):
            assert last[m] >= f
