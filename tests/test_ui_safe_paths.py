import os

import pytest

from tempo.errors import InputError
from tempo.ui.safe_paths import list_folders, list_videos, public_message, resolve_under_root, servable_video


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


def test_video_listing_skips_dot_files_and_symlinks_out(tmp_path):
    """Issue #19 item 13: a symlink inside the root to a video outside it was indexed and its frames
    served as thumbnails. Only servable files are listed (and so indexed and served)."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "clips" / ".cache").mkdir(parents=True)
    (outside / "dir").mkdir(parents=True)
    for p in [root / "clips" / "a.mp4", root / "clips" / ".b.mp4", root / "clips" / ".cache" / "c.mp4",
              root / ".d.mp4", outside / "private.mp4", outside / "dir" / "e.mp4", root / "clips" / "notes.txt"]:
        p.write_bytes(b"x")
    os.symlink(outside / "private.mp4", root / "clips" / "link_out.mp4")
    os.symlink(outside / "dir", root / "clips" / "dir_out")
    os.symlink(root / "clips" / "a.mp4", root / "clips" / "link_in.mp4")
    assert list_videos(root, root) == [(root / "clips" / "a.mp4").resolve()]
    assert list_videos(root, root / "clips" / ".cache") == []
    assert servable_video(root, root / "clips" / "link_out.mp4") is None
    assert servable_video(root, root / "clips" / "link_in.mp4") == (root / "clips" / "a.mp4").resolve()


def test_error_messages_show_paths_relative_to_the_root(tmp_path):
    """Issue #19 item 18: errors showed absolute server paths."""
    root = tmp_path / "root"
    (root / "clips").mkdir(parents=True)
    bad = InputError(root / "clips" / "bad.mp4", f"cannot decode (probe of {root}/clips/bad.mp4 failed)")
    msg = public_message(bad, [root])
    assert msg == "clips/bad.mp4: cannot decode (probe of clips/bad.mp4 failed)"
    assert public_message(InputError("/opt/weights/x.safetensors", "checkpoint not found"), [root]) == \
        "x.safetensors: checkpoint not found"
    assert str(tmp_path) not in public_message(RuntimeError(f"boom in {root}/clips"), [root])
