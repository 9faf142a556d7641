import json
import math

from tempo.models.seedvr.windows import partition, partition_index, window_shape


def _as_lists(wins):
    return [[list(span) for span in w] for w in wins]


def test_windows_match_official_for_every_grid(parity_dir):
    data = json.loads((parity_dir("seedvr") / "windows.json").read_text())
    checked = 0
    for entry in data["shapes"]:
        size = entry["size_thw"]
        for bp in entry["by_param"]:
            for kind in ("regular", "shifted"):
                wins = partition(size, bp["param"], shifted=(kind == "shifted"))
                assert _as_lists(wins) == bp[kind], (size, bp["param"], kind)
                if f"{kind}_partition_index" in bp:
                    idx = partition_index(size, wins)
                    assert idx.tolist() == bp[f"{kind}_partition_index"]
                    assert [list(window_shape(w)) for w in wins] == bp[f"{kind}_window_shapes"]
                # windows are in bounds and their volumes add up to the grid (a product of per-axis
                # partitions, so together: every token in exactly one window)
                assert all(0 <= a < b <= n for win in wins for (a, b), n in zip(win, size))
                assert sum(math.prod(window_shape(win)) for win in wins) == math.prod(size)
                checked += 1
    assert checked > 0


def test_reference_area_and_cap_are_configurable():
    # A small reference area gives several windows on a small grid; the official value gives one.
    assert len(partition((4, 8, 8), (2, 2, 2))) == 2  # only time splits (ceil(4/2))
    small = partition((4, 8, 8), (2, 2, 2), reference_area=64, temporal_cap=4)
    assert len(small) == 8 and all(window_shape(w) == (2, 4, 4) for w in small)
