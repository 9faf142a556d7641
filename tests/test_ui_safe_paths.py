import os

import pytest

from tempo.errors import InputError
from tempo.ui.safe_paths import list_folders, resolve_under_root


def test_paths_outside_root_are_refused(tmp_path):
    root = tmp_path / "root"
    (root / "clips" / "a").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    os.symlink(tmp_path / "secret", root / "link_out")
    os.symlink(root / "clips", root / "link_in")
    assert resolve_under_root(root, "clips/a") == (root / "clips" / "a").resolve()
    assert resolve_under_root(root, "link_in") == (root / "clips").resolve()
    for bad in ["..", "../secret", "clips/../../secret", "link_out", str(tmp_path / "secret"), "/etc"]:
        with pytest.raises(InputError, match="refused"):
            resolve_under_root(root, bad)
    folders = list_folders(root)
    assert "clips" in folders and "clips/a" in folders and "link_out" not in folders
