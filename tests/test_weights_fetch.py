"""``tempo weights`` against a local HTTP server: download, resume from a partial file (HTTP Range), checksum
mismatch (nothing left behind), offline instructions, and the registry's checks on its data."""
import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tempo.cli import main
from tempo.official.download import partial_path
from tempo.pipeline.cachedir import claim

PAYLOAD = bytes(range(256)) * 400  # 102400 bytes


class _Handler(BaseHTTPRequestHandler):
    """Serves PAYLOAD at any path, honouring ``Range: bytes=N-`` (http.server's own handler ignores Range)."""
    ranges: list = []

    def do_GET(self):
        rng = self.headers.get("Range")
        type(self).ranges.append(rng)
        start = int(rng.split("=")[1].rstrip("-")) if rng else 0
        if start >= len(PAYLOAD):
            self.send_response(416)
            self.end_headers()
            return
        body = PAYLOAD[start:]
        self.send_response(206 if rng else 200)
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.ranges = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler.ranges
    httpd.shutdown()
    httpd.server_close()


def _registry(tmp_path, monkeypatch, url, sha256=None, size=None, name="w.bin"):
    model = {"name": "tiny-test", "task": "restore", "description": "test model", "config": None,
             "features": "none", "licence": "MIT", "homepage": "http://example.invalid",
             "files": [{"role": "dit", "name": name, "url": url, "size": size, "sha256": sha256}]}
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"models": [model]}))
    monkeypatch.setenv("TEMPO_WEIGHTS_REGISTRY", str(path))
    return tmp_path / "cache" / "weights" / "tiny-test" / name


def _fetch(tmp_path, *extra):
    return main(["weights", "fetch", "tiny-test", "--cache-dir", str(tmp_path / "cache"), *extra])


def test_fetch_downloads_and_verifies(tmp_path, monkeypatch, server, capsys):
    url, ranges = server
    dest = _registry(tmp_path, monkeypatch, url + "/w.bin", hashlib.sha256(PAYLOAD).hexdigest(), len(PAYLOAD))
    assert _fetch(tmp_path) == 0
    assert dest.read_bytes() == PAYLOAD and not partial_path(dest).exists()
    assert ranges == [None]
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()  # the cache folder stays a valid tempo cache
    capsys.readouterr()
    assert _fetch(tmp_path) == 0 and ranges == [None]  # present: nothing downloaded again
    assert "all 1 files present" in capsys.readouterr().out


def test_fetch_resumes_a_partial_download(tmp_path, monkeypatch, server):
    url, ranges = server
    dest = _registry(tmp_path, monkeypatch, url + "/w.bin", hashlib.sha256(PAYLOAD).hexdigest())
    part = partial_path(dest)
    claim(tmp_path / "cache", create=True)  # a cache folder tempo made earlier
    part.parent.mkdir(parents=True)
    part.write_bytes(PAYLOAD[:40000])  # what an interrupted run left
    assert _fetch(tmp_path) == 0
    assert ranges == ["bytes=40000-"]  # only the rest was asked for
    assert dest.read_bytes() == PAYLOAD and not part.exists()


def test_checksum_mismatch_leaves_nothing_behind(tmp_path, monkeypatch, server, capsys):
    url, _ = server
    dest = _registry(tmp_path, monkeypatch, url + "/w.bin", "0" * 64)
    assert _fetch(tmp_path) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sha256" in err[0] and "does not match" in err[0]
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("offline_flag", [False, True])
def test_offline_says_what_to_download_and_where(tmp_path, monkeypatch, capsys, offline_flag):
    url = f"http://127.0.0.1:{_closed_port()}/w.bin"
    dest = _registry(tmp_path, monkeypatch, url)
    assert _fetch(tmp_path, *(["--offline"] if offline_flag else [])) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("tempo weights: error: ") and ("offline" if offline_flag else "cannot") in err[0]
    assert url in "\n".join(err) and f"-> {dest}" in "\n".join(err)
    assert not dest.exists() and not partial_path(dest).exists()


def test_registry_rejects_unsafe_file_names(tmp_path, monkeypatch, capsys):
    _registry(tmp_path, monkeypatch, "http://127.0.0.1:1/x", name="../escape.bin")
    assert main(["weights", "list"]) == 1
    assert "relative path without '..'" in capsys.readouterr().err


def test_shipped_registry_lists_each_task(capsys):
    assert main(["weights", "list", "--json"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    assert {m["task"] for m in models} == {"restore", "detect", "ground", "complete"}
    for m in models:
        assert m["licence"] and m["features"] and m["files"]
        for f in m["files"]:  # a direct link, or a page and what to do there
            assert f["url"] or (f["page"] and f["manual"])
