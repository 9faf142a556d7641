"""The Gradio demo in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
index a folder of `tempo synth` clips, run a query whose answer is known, check the top row and that
clicking it starts the player at the moment; and refuse paths outside the root."""
import json
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _iou(a, b):
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / max(a[1] - a[0] + b[1] - b[0] - inter, 1e-9)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is required for the browser test (.ci/run installs it)")
    from tempo.data.synth import generate
    from tempo.tasks.ground import DEFAULT_GROUNDER, MomentSearch
    from tempo.ui.app import launch

    if not DEFAULT_GROUNDER.is_file():
        # Transitional: the embedded BAM-DETR default is trained by tools/build_default_grounder.py (issue 8).
        pytest.skip("embedded grounding model not trained yet (tools/build_default_grounder.py)")
    work = tmp_path_factory.mktemp("demo")
    generate("ground", "tiny", seed=11, out_dir=work / "synth", workers=1)
    root = work / "root"
    shutil.copytree(work / "synth" / "videos", root / "clips")
    rows = [json.loads(line) for split in ("train", "val", "test")
            for line in open(work / "synth" / "annotations" / f"ground_{split}.jsonl")]
    # The known answer is what the library (`tempo ground`'s MomentSearch) ranks first: the UI must show exactly
    # that. Prefer a query the default model also gets right (right clip, IoU >= 0.5); the embedded model is weak
    # (README: R1@0.5 well below target), so fall back to the first query's top moment rather than fail on quality.
    search = MomentSearch()
    search.index_folder(root / "clips")
    known = None
    for row in rows:
        top = search.search(row["query"], top_k=1, folder=root / "clips")[0]
        if Path(top.clip).stem == row["vid"] and max(_iou((top.start, top.end), w) for w in row["relevant_windows"]) >= 0.5:
            known = (row, top)
            break
    if known is None:
        known = (rows[0], search.search(rows[0]["query"], top_k=1, folder=root / "clips")[0])
    app, url = launch(root, port=None, prevent_thread_lock=True)
    yield url, root, known
    app.close()


def test_search_and_play_in_browser(demo):
    from playwright.sync_api import sync_playwright

    url, root, (row, top) = demo
    clip = f"clips/{Path(top.clip).name}"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(url)
        page.click("#folder input")
        page.keyboard.type("clips")
        page.keyboard.press("Enter")
        page.click("#index-btn")
        page.wait_for_selector("#index-status:has-text('Indexed')", timeout=180_000)
        page.fill("#query textarea", row["query"])
        page.click("#search-btn")
        page.wait_for_selector("#search-status:has-text('moments')", timeout=180_000)
        first_clip = page.locator("#results").get_by_text(clip).first
        # Gradio 6 renders the table body as virtual rows (a hidden <tbody> only sizes the columns)
        first_row = page.locator('#results [role="row"][data-index="0"]').inner_text()
        assert clip in first_row
        assert f"{round(top.start, 2):g}" in first_row and f"{round(top.end, 2):g}" in first_row
        first_clip.click()
        page.wait_for_selector("#tempo-player", timeout=60_000)
        page.wait_for_function("document.querySelector('#tempo-player').readyState >= 1", timeout=60_000)
        time.sleep(0.3)
        current = page.evaluate("document.querySelector('#tempo-player').currentTime")
        page.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)
        browser.close()
    # the player jumped to the moment (it autoplays, so allow a little progress)
    assert top.start - 0.05 <= current <= top.start + 3.0


def test_paths_outside_root_are_refused(demo):
    from gradio_client import Client

    url, root, _ = demo
    client = Client(url, verbose=False)
    from gradio_client.exceptions import AppError

    for bad in ["..", "../..", "/etc", "clips/../../"]:
        try:  # the folder box only offers folders under the root, and the handler re-checks (tempo.ui.safe_paths)
            msg = client.predict(bad, api_name="/do_index")
        except AppError as exc:
            msg = f"refused by the UI: {exc}"
        assert "refused" in msg
