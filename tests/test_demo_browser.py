"""The Gradio demo in a real headless Chromium (Debian's /usr/bin/chromium, installed by the fixture when
missing, driven by Playwright), every tab: index a folder of `tempo synth` clips, run a query whose answer
is known, check the top row, the thumbnails and that clicking the row starts the player at the moment;
detect actions in a clip and check the table and the timeline; and refuse paths outside the root."""
import json
import shutil
import time
import warnings
from pathlib import Path

import pytest

from browser import ensure_chromium
from media import make_video

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _iou(a, b):
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / max(a[1] - a[0] + b[1] - b[0] - inter, 1e-9)


@pytest.fixture(scope="session")
def chromium():
    path, why = ensure_chromium()
    if path is None:  # only when installing is impossible; the warning lands in the pytest summary
        warnings.warn(f"BROWSER TEST NOT RUN: {why}", pytest.PytestWarning)
        pytest.skip(f"BROWSER TEST NOT RUN: {why}")
    return str(path)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tempo.data.synth import generate
    from tempo.tasks.ground import DEFAULT_GROUNDER
    from tempo.ui.app import launch

    if not DEFAULT_GROUNDER.is_file():
        # Transitional: the embedded BAM-DETR default is trained by tools/build_default_grounder.py (issue 8).
        pytest.skip("embedded grounding model not trained yet (tools/build_default_grounder.py)")
    work = tmp_path_factory.mktemp("demo")
    generate("ground", "tiny", seed=11, out_dir=work / "synth", workers=1)
    root = work / "root"
    shutil.copytree(work / "synth" / "videos", root / "clips")
    make_video(root / "short" / "tiny.mp4", n=40)  # the detect tab's clip: short keeps the test fast
    rows = [json.loads(line) for split in ("train", "val", "test")
            for line in open(work / "synth" / "annotations" / f"ground_{split}.jsonl")]
    app, url = launch(root, port=None, prevent_thread_lock=True)
    # The known answers are what the library gives (the MomentSearch and ActionDetector the app itself
    # loaded, so the models load once): the UI must show exactly that. Prefer a query the default model gets
    # right (right clip, IoU >= 0.5); the embedded model is weak (README: R1@0.5 well below target), so fall
    # back to the first query's top moment rather than fail on quality.
    search = app.tempo._engine("search", None)
    search.index_folder(root / "clips")
    known = None
    for row in rows[:3]:
        top = search.search(row["query"], top_k=1, folder=root / "clips")[0]
        if Path(top.clip).stem == row["vid"] and max(_iou((top.start, top.end), w)
                                                     for w in row["relevant_windows"]) >= 0.5:
            known = (row, top)
            break
    if known is None:
        known = (rows[0], search.search(rows[0]["query"], top_k=1, folder=root / "clips")[0])
    detections = app.tempo._engine("detect", None).detect(root / "short" / "tiny.mp4")
    yield url, root, known, detections
    app.close()
    app.tempo.scratch.cleanup()


def _choose(page, dropdown: str, value: str) -> None:
    page.click(f"{dropdown} input")
    page.get_by_role("option", name=value, exact=True).click()
    page.wait_for_function(f"document.querySelector('{dropdown} input').value === {json.dumps(value)}",
                           timeout=10_000)


def test_every_tab_in_browser(demo, chromium):
    from playwright.sync_api import sync_playwright

    url, root, (row, top), detections = demo
    clip = f"clips/{Path(top.clip).name}"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(url)
        # --- Search tab
        _choose(page, "#folder", "clips")
        page.click("#index-btn")
        page.wait_for_selector("#index-status:has-text('Indexed')", timeout=60_000)
        page.fill("#query textarea", row["query"])
        page.click("#search-btn")
        page.wait_for_selector("#search-status:has-text('moments')", timeout=60_000)
        # Gradio 6 renders the table body as virtual rows (a hidden <tbody> only sizes the columns)
        first_row = page.locator('#results [role="row"][data-index="0"]').inner_text()
        assert clip in first_row
        assert f"{round(top.start, 2):g}" in first_row and f"{round(top.end, 2):g}" in first_row
        # thumbnails arrive as images the browser could fetch and decode
        page.wait_for_function("[...document.querySelectorAll('#thumbs img')].some(i => i.naturalWidth > 0)",
                               timeout=30_000)
        # the visible first row (the hidden sizing <tbody> may hold the same text first)
        page.locator('#results [role="row"][data-index="0"]').get_by_text(clip).first.click()
        page.wait_for_selector("#tempo-player", timeout=30_000)
        page.wait_for_function("document.querySelector('#tempo-player').readyState >= 1", timeout=30_000)
        time.sleep(0.3)
        current = page.evaluate("document.querySelector('#tempo-player').currentTime")
        page.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)
        # --- Detect actions tab
        page.get_by_role("tab", name="Detect actions").click()
        _choose(page, "#det-folder", "short")
        page.wait_for_function("document.querySelector('#det-clip input').value === 'short/tiny.mp4'",
                               timeout=30_000)
        page.click("#detect-btn")
        page.wait_for_selector("#detect-status:has-text('detections in')", timeout=60_000)
        status = page.locator("#detect-status").inner_text()
        page.wait_for_function("[...document.querySelectorAll('#detect-timeline img')].some(i => i.naturalWidth > 0)",
                               timeout=30_000)
        first_detection = page.locator('#detections [role="row"][data-index="0"]').inner_text() if detections else ""
        page.screenshot(path=str(ARTIFACTS / "demo-detect.png"), full_page=True)
        browser.close()
    # the player jumped to the moment (it autoplays, so allow a little progress)
    assert top.start - 0.05 <= current <= top.start + 3.0
    assert f"{len(detections)} detections in short/tiny.mp4" in status  # markdown: code span rendered
    if detections:
        assert detections[0]["label"] in first_detection


def test_paths_outside_root_are_refused(demo):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, root, _, _ = demo
    client = Client(url, verbose=False)
    for bad in ["..", "../..", "/etc", "clips/../../"]:
        try:  # the folder box only offers folders under the root, and the handler re-checks (tempo.ui.safe_paths)
            msg = client.predict(bad, api_name="/do_index")
        except AppError as exc:
            msg = f"refused by the UI: {exc}"
        assert "refused" in msg
        assert str(root) not in msg
    for bad in ["../../etc/passwd", "/etc/passwd", "clips"]:
        _, msg, _ = client.predict(bad, api_name="/do_detect")
        assert "Error" in msg and str(root) not in msg
