"""Keeps the README's reliability counts honest: the fast cases of tools/check_reliability.py for issue
#19's items 1-9 and 19 (checkpoints, cache, outputs, --help), each run as a user runs tempo (a
subprocess), must end handled: no traceback, no wrong exit code, no user file lost. The full table
(video reading, the demo, slow model runs) is `python tools/check_reliability.py`."""
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "check_reliability.py"
spec = importlib.util.spec_from_file_location("check_reliability", SCRIPT)
check = sys.modules.setdefault("check_reliability", importlib.util.module_from_spec(spec))
spec.loader.exec_module(check)  # registered first: its dataclasses look their module up

CASES = check.select(items=set(range(1, 10)) | {19}, fast=True)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return check.Ctx(tmp_path_factory.mktemp("reliability"))


def test_subset_covers_every_item():
    assert {c.item for c in CASES} == set(range(1, 10)) | {19}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_is_handled(case, ctx):
    row = check.run_case(case, ctx)
    if row.outcome == "skipped":
        pytest.skip(row.detail)
    assert row.outcome == "handled", f"{row.id} ({row.tried}): {row.outcome}: {row.detail}"


def test_a_lost_file_is_reported_as_lost(tmp_path):
    """The classifier itself: a changed user file or a left-over .partial is 'lost', not 'handled'."""
    (tmp_path / "keep.txt").write_text("mine")
    before = check.snapshot(tmp_path)
    assert check.guard_files(tmp_path, None, "ok", before).outcome == "handled"
    (tmp_path / "keep.txt").write_text("overwritten")
    assert check.guard_files(tmp_path, None, "ok", before).outcome == "lost"
    (tmp_path / "keep.txt").write_text("mine")
    (tmp_path / "out.mp4.partial").write_bytes(b"half")
    assert check.guard_files(tmp_path, None, "ok", before).outcome == "lost"
    tb = check.Proc(1, "", "Traceback (most recent call last):\n  ...\nRuntimeError: boom\n")
    assert check.refusal(tb, 1, "boom") == "traceback: RuntimeError: boom"
    assert check.refusal(check.Proc(0, "", ""), None).startswith("exit 0")
    assert check.refusal(check.Proc(2, "", "tempo x: error: -o out: is a folder\n"), 2, "-o", "folder") is None
