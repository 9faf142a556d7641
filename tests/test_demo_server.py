"""The demo's server over real HTTP (issue #19, items 12-18): what it serves, what it accepts, whose
checkpoint a visitor gets, what its errors show. The grounding model is replaced by a stand-in (fast);
detection uses the embedded TriDet default."""
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import httpx
import numpy as np
import pytest

from media import make_video
from tempo.errors import InputError
from tempo.tasks.ground import Moment

REPO = Path(__file__).resolve().parents[1]


class StandInSearch:
    """MomentSearch's interface as the demo uses it, without the models: every clip matches 0.5-1.5 s."""

    bundle = {"trained_on": "tempo synth --task ground"}  # what the demo reads to name the model's vocabulary

    def __init__(self):
        self.clips, self.featured = {}, []

    def clip_features(self, path):
        if Path(path).name.startswith("bad"):
            raise InputError(path, "not a video file, or corrupt")
        self.featured.append(Path(path))
        return np.zeros((2, 4), np.float32), 4.0

    def add_clip(self, key, features, duration):
        self.clips[key] = features

    def search(self, query, top_k=10, clips=None):
        return [Moment(c, 0.5, 1.5, 0.9) for c in clips][:top_k]

    def thumbnail(self, clip, t):
        return np.tile(np.arange(64, dtype=np.uint8)[:, None, None], (1, 48, 3))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tempo.ui.app import launch

    work = tmp_path_factory.mktemp("demo_server")
    root = work / "root"
    (root / "clips" / "sub").mkdir(parents=True)
    (root / ".env").write_text("API_KEY=secret\n")
    (root / "notes.txt").write_text("private notes\n")
    make_video(root / "clips" / "a.mp4", n=40)
    shutil.copy(root / "clips" / "a.mp4", root / "clips" / "sub" / "b.mp4")
    shutil.copy(root / "clips" / "a.mp4", root / "clips" / ".hidden.mp4")
    (root / "clips" / "bad.mp4").write_bytes(b"not a video at all")
    outside = work / "outside"
    outside.mkdir()
    shutil.copy(root / "clips" / "a.mp4", outside / "private.mp4")
    os.symlink(outside / "private.mp4", root / "clips" / "link_out.mp4")
    ckpts = work / "ckpts"
    ckpts.mkdir()
    (ckpts / "broken.safetensors").write_bytes(b"\0" * 16)  # no .json beside it: unusable
    app, url = launch(root, port=None, prevent_thread_lock=True, checkpoint_dir=ckpts)
    stand_in, real_engine = StandInSearch(), app.tempo._engine
    app.tempo._engine = lambda kind, ckpt: stand_in if kind == "search" else real_engine(kind, ckpt)
    yield {"url": url, "root": root, "outside": outside, "app": app, "search": stand_in, "work": work}
    app.close()
    app.tempo.scratch.cleanup()


def _file(url, path):
    return httpx.get(url + "gradio_api/file=" + urllib.parse.quote(str(path)), timeout=30)


def _client(url):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def test_only_listed_videos_are_served(server):
    url, root = server["url"], server["root"]
    video = root / "clips" / "a.mp4"
    assert _file(url, video).status_code == 403  # nothing listed yet
    listed = _client(url).predict("clips", api_name="/clips_in")
    assert "clips/a.mp4" in str(listed) and "clips/sub/b.mp4" in str(listed)
    got = _file(url, video)
    assert got.status_code == 200 and got.content == video.read_bytes()
    for refused in [root / ".env", root / "notes.txt", root / "clips" / ".hidden.mp4", root / "clips" / "link_out.mp4",
                    server["outside"] / "private.mp4", root, "/etc/passwd"]:
        got = _file(url, refused)
        assert got.status_code in (403, 404), refused
        assert b"API_KEY" not in got.content and b"private notes" not in got.content and b"ftyp" not in got.content


def test_symlinks_out_and_dot_files_are_not_indexed(server):
    service, search = server["app"].tempo, server["search"]
    msg = _client(server["url"]).predict("clips", api_name="/do_index")
    assert "Indexed **2** clips" in msg  # a.mp4 and sub/b.mp4; bad.mp4 is listed as skipped
    assert "clips/bad.mp4" in msg and str(server["root"]) not in msg
    names = {p.name for p in search.featured}
    assert names == {"a.mp4", "b.mp4"}
    assert "clips/link_out.mp4" not in service.clip_names("clips")


def test_query_length_is_capped(server):
    client = _client(server["url"])
    _, status, _ = client.predict("clips", "spin " * 2000, 5, api_name="/do_search")
    assert "Query too long" in status and "500" in status
    rows, status, _ = client.predict("clips", "a red square spins", 5, api_name="/do_search")
    assert "moments" in status and len(rows["data"]) >= 1


def test_search_status_notes_query_words_the_model_never_saw(server):
    client = _client(server["url"])
    _, status, _ = client.predict("clips", "a person walking", 5, api_name="/do_search")
    assert "moments" in status and "outside its vocabulary: person, walking" in status
    _, status, _ = client.predict("clips", "a red square spins", 5, api_name="/do_search")
    assert "vocabulary" not in status


def test_uploads_are_capped(server):
    url = server["url"] + "gradio_api/upload"
    small = httpx.post(url, files={"files": ("x.txt", b"x" * 1000)}, timeout=30)
    big = httpx.post(url, files={"files": ("x.bin", b"x" * (2 << 20))}, timeout=30)
    assert small.status_code == 200
    assert big.status_code == 413


def test_thumbnails_are_new_files_never_rewritten(server):
    """Two identical searches: Gradio used to save both thumbnails to the same cache file, rewriting it
    while clients downloaded it. Each search must hand out files no earlier search handed out."""
    client = _client(server["url"])
    served = []
    for _ in range(2):
        _, _, gallery = client.predict("clips", "a red square spins", 5, api_name="/do_search")
        served.append([item["image"]["path"] for item in gallery])
    first, second = served
    assert len(first) == len(second) >= 2
    assert not set(first) & set(second)
    before = {p: Path(p).read_bytes() for p in first}
    for path in first:
        got = _file(server["url"], path)
        assert got.status_code == 200 and got.content == before[path] and got.content[:2] == b"\xff\xd8"  # JPEG


def test_checkpoint_choice_is_per_session(server):
    root = server["root"]
    alice, bob = _client(server["url"]), _client(server["url"])
    for bad in ["../ckpts/broken.safetensors", "clips/a.mp4", "/etc/passwd"]:
        with pytest.raises(Exception, match="not one of|Value"):
            alice.predict(bad, api_name="/pick_detect_checkpoint")
    status = alice.predict("broken.safetensors", api_name="/pick_detect_checkpoint")
    assert "broken.safetensors" in status and str(server["work"]) not in status
    _, a_msg, _ = alice.predict("clips/a.mp4", api_name="/do_detect")
    assert "broken.safetensors" in a_msg and "Error" in a_msg
    # Bob never picked: he still gets the server's default model (its error is about his clip, not Alice's file)
    _, b_msg, _ = bob.predict("clips/bad.mp4", api_name="/do_detect")
    assert "broken" not in b_msg and "clips/bad.mp4" in b_msg
    for msg in (status, a_msg, b_msg):  # item 18: no absolute server paths in the page
        assert str(server["work"]) not in msg and str(root) not in msg


def test_cli_requires_root_and_prints_url(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "GRADIO_ANALYTICS_ENABLED": "False"}
    cmd = [sys.executable, "-m", "tempo", "demo"]
    no_root = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert no_root.returncode == 2 and "--root" in no_root.stderr
    proc = subprocess.Popen([*cmd, "--root", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "http://127.0.0.1:" in line and str(tmp_path.resolve()) in line, line


def test_indexing_goes_on_past_any_failing_file(tmp_path):
    """Not only a bad video: any exception for one clip is one line in the status, the rest is indexed."""
    from tempo.ui.service import DemoService

    (tmp_path / "clips").mkdir()
    for name in ("a.mp4", "crash.mp4", "c.mp4"):
        make_video(tmp_path / "clips" / name, n=10)

    class Crashing(StandInSearch):
        def clip_features(self, path):
            if Path(path).name == "crash.mp4":
                raise ValueError("array is too big")
            return super().clip_features(path)

    service = DemoService(tmp_path)
    engine = Crashing()
    service._engine = lambda kind, ckpt: engine
    status = service.index("clips")
    assert "Indexed **2** clips" in status and "clips/crash.mp4" in status
    assert str(tmp_path) not in status  # no absolute server path
    assert sorted(p.name for p in engine.featured) == ["a.mp4", "c.mp4"]
