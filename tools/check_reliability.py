#!/usr/bin/env python3
"""Repeat issue #19's reproducers as a user would and count how tempo copes.

Every case runs the real command line (``python -m tempo ...`` in a subprocess, this checkout's code)
or, for the demo, talks HTTP to a real ``tempo demo`` server, inside one fresh temp folder. Each case
ends as one of:

  handled  a clear error line and the documented exit code, or the right result
  failed   a traceback, a wrong exit code or a wrong result (including a checkpoint's code running)
  lost     a user's file deleted or changed, finished work thrown away, or a half-written file left
  skipped  cannot be checked on this machine (e.g. root without setpriv for read-only folders)
  unchecked  checked only by a pytest test that this checkout does not have

    python tools/check_reliability.py              # all cases, a table and totals
    python tools/check_reliability.py --json       # machine-readable
    python tools/check_reliability.py --items 1-9,19 --fast   # what tests/test_reliability.py runs

Exit status 1 when any case failed or lost data. Nothing is written outside the temp folder: the
cache, HOME, TMPDIR and Gradio's files all point into it.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # media are made with this checkout's tempo, as the commands run it
    sys.path.insert(0, str(REPO))
SUMMARY = REPO / "pipelines" / "summary.py"
WEIGHTS = REPO / "tempo" / "weights"
OUTCOMES = ("handled", "failed", "lost", "skipped", "unchecked")
# root ignores mode bits; without these capabilities it obeys them like any user
DROP_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]


@dataclass
class Verdict:
    outcome: str
    detail: str = ""


@dataclass
class Case:
    id: str
    item: int
    tried: str
    how: str  # "cli", "http", "pytest <node>"
    fn: Callable
    slow: bool = False


@dataclass
class Row:
    id: str
    item: int
    tried: str
    how: str
    outcome: str
    detail: str
    seconds: float


CASES: list[Case] = []


def case(id, item, tried, how="cli", slow=False):
    def register(fn):
        CASES.append(Case(id, item, tried, how, fn, slow))
        return fn
    return register


# --- running tempo ----------------------------------------------------------------------------------------------------

@dataclass
class Proc:
    rc: int
    out: str
    err: str

    @property
    def traceback(self) -> str | None:
        if "Traceback (most recent call last)" not in self.err:
            return None
        return next((l for l in reversed(self.err.splitlines()) if l.strip()), "traceback")

    def error_lines(self) -> list[str]:
        return [l for l in self.err.splitlines() if "error" in l.lower()]

    def tail(self) -> str:
        lines = [l for l in (self.err or self.out).splitlines() if l.strip()]
        return lines[-1][:200] if lines else "(no output)"


class Ctx:
    """The temp folder, the environment the commands run in, and media made once."""

    def __init__(self, work: Path):
        self.work = work
        self.media = work / "media"
        self.media.mkdir(parents=True, exist_ok=True)
        home = work / "home"
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
                    "TMPDIR": str(home / "tmp"), "MPLCONFIGDIR": str(home / "mpl"),
                    "GRADIO_TEMP_DIR": str(home / "gradio"), "GRADIO_ANALYTICS_ENABLED": "False",
                    "TEMPO_CACHE_DIR": str(home / ".cache" / "tempo"),
                    "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.env.pop("TEMPO_NO_CACHE", None)
        self.env.setdefault("OMP_NUM_THREADS", "1")  # a shared machine: one thread per command runs faster
        self._made: dict[str, object] = {}
        self.demo: DemoServer | None = None

    def once(self, name, make):
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def tempo(self, *args, cwd: Path, env: dict | None = None, restricted=False, umask: int | None = None,
              mem_gib: float | None = None, timeout=300) -> Proc:
        cmd = [sys.executable, "-m", "tempo", *map(str, args)]
        if restricted and os.geteuid() == 0:
            cmd = DROP_DAC + cmd

        def limits():
            if umask is not None:
                os.umask(umask)
            if mem_gib:  # a header that lies about its size must not take the machine down with it
                cap = int(mem_gib * 2**30)
                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

        try:
            p = subprocess.run(cmd, cwd=cwd, env={**self.env, **(env or {})}, capture_output=True, text=True,
                               timeout=timeout, preexec_fn=limits)
        except subprocess.TimeoutExpired as exc:
            return Proc(-9, _text(exc.stdout), _text(exc.stderr) + f"\n(timed out after {timeout} s)")
        return Proc(p.returncode, p.stdout, p.stderr)


def _text(b) -> str:
    return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")


def can_restrict() -> bool:
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


# --- media ------------------------------------------------------------------------------------------------------------

def pattern_frames(n, width, height):
    import numpy as np

    frames = []
    for i in range(n):
        f = np.full((height, width, 3), 40, np.uint8)
        x = (i * 3) % max(width - 8, 1)
        f[:, x:x + 8] = 220
        f[..., 1] = np.uint8((i * 7) % 256)
        frames.append(f)
    return frames


def make_video(path: Path, n=12, width=48, height=32, fps=10, codec="h264") -> Path:
    from tempo.io import write_video  # tempo's own writer (bundled ffmpeg)

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_video(path, pattern_frames(n, width, height), fps, codec=codec)


def media(ctx: Ctx, name: str) -> Path:
    """A video made once per run, copied into cases that need their own."""
    def make():
        m = ctx.media
        if name == "clip.mp4":
            return make_video(m / name)
        if name == "a.mp4":
            return make_video(m / name, n=10, width=64, height=48)
        if name == "b.mp4":
            return make_video(m / name, n=30, width=64, height=48)
        if name == "damaged.mp4":  # noise over 40-55 % of the file: frames before and after still decode
            import numpy as np

            data = bytearray(make_video(m / "clean100.mp4", n=100, width=64, height=48, fps=25).read_bytes())
            a, b = int(len(data) * 0.40), int(len(data) * 0.55)
            data[a:b] = np.random.default_rng(0).integers(0, 256, b - a, dtype=np.uint8).tobytes()
            (m / name).write_bytes(bytes(data))
            return m / name
        if name in ("huge.avi", "huge_noindex.avi"):  # avih dwTotalFrames and strh dwLength claim 2**31-1
            data = bytearray(make_video(m / "mjpeg30.avi", n=30, width=64, height=48, codec="mjpeg").read_bytes())
            struct.pack_into("<I", data, data.find(b"avih") + 8 + 16, 0x7FFFFFFF)
            struct.pack_into("<I", data, data.find(b"strh") + 8 + 32, 0x7FFFFFFF)
            if name == "huge_noindex.avi":  # no idx1: the demuxer has to scan
                at = data.find(b"idx1")
                data[at:at + 4] = b"JUNK"
            (m / name).write_bytes(bytes(data))
            return m / name
        if name == "divx.avi":  # MPEG-4 part 2 with B-frames in AVI, the layout of opencv's Megamind.avi
            from tempo.io.ffmpeg_bin import ffmpeg_exe

            src = make_video(m / "divx_src.mp4", n=30, width=64, height=48)
            subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(src), "-c:v", "mpeg4", "-q:v", "2",
                            "-bf", "2", str(m / name)], check=True)
            return m / name
        raise KeyError(name)
    return ctx.once("media:" + name, make)


def put(ctx: Ctx, name: str, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(media(ctx, name), dest)
    return dest


# --- checks -----------------------------------------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (symlinks as their target) -> a content hash."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def changed(before: dict[str, str], folder: Path) -> list[str]:
    now = snapshot(folder) if folder.exists() else {}
    return [rel for rel, h in before.items() if now.get(rel) != h]


def leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and (p.name.endswith((".partial", ".tmp")) or ".partial" in p.name))


def refusal(p: Proc, rc: int | None, *needles: str, one_line=True) -> str | None:
    """None when ``p`` is a clean refusal: no traceback, exit ``rc`` (any non-zero when None), an error
    line containing every needle; else what is wrong."""
    if p.traceback:
        return f"traceback: {p.traceback[:160]}"
    if (p.rc == 0) if rc is None else (p.rc != rc):
        return f"exit {p.rc}, expected {rc if rc is not None else 'non-zero'}: {p.tail()}"
    lines = p.error_lines()
    if not lines:
        return f"no error line: {p.tail()}"
    if one_line and len(lines) > 1:
        return f"{len(lines)} error lines: {lines[0][:120]} ..."
    if not any(all(n in l for n in needles) for l in lines):
        return f"error line lacks {needles}: {lines[-1][:160]}"
    return None


def _reason(p: Proc) -> str:
    """The last error line without its ``tempo <command>: error:`` prefix."""
    lines = p.error_lines()
    return lines[-1].split("error: ", 1)[-1] if lines else ""


def verdict(problem: str | None, ok: str) -> Verdict:
    return Verdict("failed", problem) if problem else Verdict("handled", ok)


def guard_files(folder: Path, problem: str | None, ok: str, before: dict[str, str] | None = None) -> Verdict:
    """Data loss (changed user files, half-written files) outranks any other problem."""
    lost = changed(before, folder) if before is not None else []
    left = leftovers(folder)
    if lost:
        return Verdict("lost", f"user files changed or deleted: {', '.join(lost[:4])}")
    if left:
        return Verdict("lost", f"half-written files left: {', '.join(left[:4])}")
    return verdict(problem, ok)


# --- item 1: bundles --------------------------------------------------------------------------------------------------

def payload(d: Path) -> dict:
    return {"type": "subprocess.run", "args": ["sh", "-c", f"echo X >> '{d / 'pwned'}'"]}


def evil_bundle(d: Path, config: dict, weights: Path | None = None) -> Path:
    """``evil.safetensors`` + ``evil.json``: the weights are readable so loaders reach the config."""
    (d / "evil.json").write_text(json.dumps(config))
    if weights is not None:
        shutil.copy(weights, d / "evil.safetensors")
    else:
        import numpy as np
        from safetensors.numpy import save_file

        save_file({"x": np.zeros(1, np.float32)}, str(d / "evil.safetensors"))
    return d / "evil.safetensors"


def bundle_case(d: Path, ctx: Ctx, argv: list, config: dict, weights: Path | None = None, rc=None,
                needle="subprocess.run") -> Verdict:
    ckpt = evil_bundle(d, config, weights)
    p = ctx.tempo(*argv, "--checkpoint", ckpt, cwd=d, env={"TEMPO_CACHE_DIR": str(d / "cache")})
    if (d / "pwned").exists():
        return Verdict("failed", "the checkpoint's shell command ran")
    return verdict(refusal(p, rc, needle), f"refused: {_reason(p)}")


def _shipped(name: str) -> dict:
    return json.loads((WEIGHTS / f"{name}.json").read_text())


@case("1a", 1, "detect --checkpoint evil.safetensors (evil.json type: subprocess.run)")
def _(d, ctx):
    return bundle_case(d, ctx, ["detect", put(ctx, "clip.mp4", d / "clip.mp4"), "-o", d / "out"], payload(d))


@case("1b", 1, "ground --checkpoint evil.safetensors", slow=True)
def _(d, ctx):
    put(ctx, "clip.mp4", d / "clips" / "clip.mp4")
    return bundle_case(d, ctx, ["ground", d / "clips", "a square moves"], payload(d))


@case("1c", 1, "restore --checkpoint evil.safetensors", slow=True)
def _(d, ctx):
    return bundle_case(d, ctx, ["restore", put(ctx, "clip.mp4", d / "clip.mp4"), "-o", d / "r.mp4"], payload(d))


@case("1d", 1, "complete --checkpoint evil.safetensors", slow=True)
def _(d, ctx):
    return bundle_case(d, ctx, ["complete", put(ctx, "clip.mp4", d / "clip.mp4"), "--box", "4,4,8,8",
                                "-o", d / "c.mp4"], payload(d))


@case("1e", 1, "restore: nested type (SeedVR bundle's dit = subprocess.run)", slow=True)
def _(d, ctx):
    config = _shipped("seedvr_synth")
    config["dit"] = payload(d)
    return bundle_case(d, ctx, ["restore", put(ctx, "clip.mp4", d / "clip.mp4"), "-o", d / "r.mp4"], config)


@case("1f", 1, "detect: shipped TriDet bundle whose feature backbone Stack holds subprocess.run")
def _(d, ctx):
    config = _shipped("tridet_synth")
    config["features"]["backbone"] = {"type": "Stack", "backbones": ["MotionStats", payload(d)]}
    return bundle_case(d, ctx, ["detect", put(ctx, "clip.mp4", d / "clip.mp4"), "-o", d / "out"], config,
                       weights=WEIGHTS / "tridet_synth.safetensors")


@case("1g", 1, "ground: shipped BAM-DETR bundle whose text encoder is subprocess.run", slow=True)
def _(d, ctx):
    config = _shipped("bam_detr_synth")
    config["text"]["encoder"] = "subprocess.run"
    put(ctx, "clip.mp4", d / "clips" / "clip.mp4")
    return bundle_case(d, ctx, ["ground", d / "clips", "a square moves"], config,
                       weights=WEIGHTS / "bam_detr_synth.safetensors")


@case("1h", 1, "run stages.json naming subprocess.run; run a YAML !!python tag")
def _(d, ctx):
    clip = put(ctx, "clip.mp4", d / "clip.mp4")
    (d / "stage.json").write_text(json.dumps({"stages": [payload(d)]}))
    (d / "tag.yaml").write_text(f"stages: !!python/object/apply:os.system [\"echo X >> '{d / 'pwned'}'\"]\n")
    for name in ("stage.json", "tag.yaml"):
        p = ctx.tempo("run", d / name, clip, cwd=d, env={"TEMPO_CACHE_DIR": str(d / "cache")})
        if (d / "pwned").exists():
            return Verdict("failed", f"{name}: the config's command ran")
        problem = refusal(p, None, name)
        if problem:
            return Verdict("failed", f"{name}: {problem}")
    return Verdict("handled", "both refused in one line naming the file")


# --- items 2, 3: cache commands ---------------------------------------------------------------------------------------

def filled_cache(ctx: Ctx, dest: Path) -> Path:
    """A real cache (Probe + FrameSummary entries of one clip), made once by `tempo run` and copied."""
    def make():
        src = ctx.media / "cache_template"
        p = ctx.tempo("run", SUMMARY, media(ctx, "a.mp4"), "--json", "--cache-dir", src, cwd=ctx.media)
        if p.rc != 0:
            raise RuntimeError(f"could not fill a cache: {p.tail()}")
        return src
    shutil.copytree(ctx.once("cache", make), dest, symlinks=True)
    return dest


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.npz") if p.is_file())


def victim(d: Path) -> tuple[Path, dict]:
    v = d / "victim"
    (v / "sub").mkdir(parents=True)
    (v / "keep.txt").write_text("mine")
    (v / "sub" / "thesis.tex").write_text("\\documentclass{article}")
    return v, snapshot(d)


@case("2a", 2, "cache clear --stage ../victim")
def _(d, ctx):
    cache = filled_cache(ctx, d / "cache")
    _, before = victim(d)
    p = ctx.tempo("cache", "clear", "--stage", "../victim", "--cache-dir", cache, cwd=d)
    return guard_files(d, refusal(p, 2, "not a stage name"), "refused: not a stage name", before)


@case("2b", 2, "cache clear --stage /absolute/victim")
def _(d, ctx):
    cache = filled_cache(ctx, d / "cache")
    v, before = victim(d)
    p = ctx.tempo("cache", "clear", "--stage", v, "--cache-dir", cache, cwd=d)
    return guard_files(d, refusal(p, 2, "not a stage name"), "refused: not a stage name", before)


def project(d: Path) -> Path:
    """A user's project folder that a mis-set cache dir points at; one .npz in the cache's own shape."""
    import numpy as np

    proj = d / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "src" / "main.py").write_text("print('hi')\n")
    (proj / "Probe" / "ab").mkdir(parents=True)
    np.savez(proj / "Probe" / "ab" / ("ab" + "0" * 38 + ".npz"), x=np.arange(3))
    np.savez(proj / "results.npz", x=np.arange(5))
    return proj


def not_a_cache(d, ctx, action, how) -> Verdict:
    proj = project(d)
    before = snapshot(d)
    if how == "flag":
        p = ctx.tempo("cache", action, "--cache-dir", proj, cwd=d)
    else:
        p = ctx.tempo("cache", action, cwd=proj, env={"TEMPO_CACHE_DIR": "."})
    return guard_files(d, refusal(p, 1, "CACHEDIR.TAG"), "refused: no CACHEDIR.TAG", before)


@case("3a", 3, "cache clear --cache-dir proj (a project folder)")
def _(d, ctx):
    return not_a_cache(d, ctx, "clear", "flag")


@case("3b", 3, "cache verify --cache-dir proj (holds the user's own .npz)")
def _(d, ctx):
    return not_a_cache(d, ctx, "verify", "flag")


@case("3c", 3, "TEMPO_CACHE_DIR=. cache clear, inside a project")
def _(d, ctx):
    return not_a_cache(d, ctx, "clear", "env")


@case("3d", 3, "TEMPO_CACHE_DIR=. cache verify, inside a project")
def _(d, ctx):
    return not_a_cache(d, ctx, "verify", "env")


@case("3e", 3, "run summary.py --cache-dir proj: result computed, nothing written into proj")
def _(d, ctx):
    proj = project(d)
    clip = put(ctx, "a.mp4", d / "a.mp4")
    before = snapshot(d)
    p = ctx.tempo("run", SUMMARY, clip, "--json", "--cache-dir", proj, cwd=d)
    problem = p.traceback or (f"exit {p.rc}: {p.tail()}" if p.rc != 0 else None)
    new = sorted(set(snapshot(proj)) - {k.removeprefix("proj/") for k in before})
    if not problem and new:
        problem = f"wrote into proj: {new[:3]}"
    if not problem and not json.loads(p.out)["results"]:
        problem = "no result"
    return guard_files(d, problem, "result computed, proj untouched", before)


@case("3f", 3, "cache clear on a real cache that also holds a user's notes.txt")
def _(d, ctx):
    cache = filled_cache(ctx, d / "cache")
    (cache / "notes.txt").write_text("mine")
    before = {"cache/notes.txt": snapshot(d)["cache/notes.txt"]}
    p = ctx.tempo("cache", "clear", "--cache-dir", cache, cwd=d)
    problem = p.traceback or (f"exit {p.rc}: {p.tail()}" if p.rc != 0 else None)
    if not problem and entries(cache):
        problem = f"{len(entries(cache))} entries left"
    return guard_files(d, problem, "entries removed, notes.txt kept", before)


# --- item 4: output names ---------------------------------------------------------------------------------------------

def same_named(ctx: Ctx, d: Path) -> Path:
    put(ctx, "a.mp4", d / "in" / "a" / "clip.mp4")
    put(ctx, "b.mp4", d / "in" / "b" / "clip.mp4")
    return d / "in"


@case("4a", 4, "detect folder -o out with a/clip.mp4 and b/clip.mp4", slow=True)
def _(d, ctx):
    src = same_named(ctx, d)
    p = ctx.tempo("detect", src, "-o", d / "out", "--formats", "json", cwd=d, env={"TEMPO_CACHE_DIR": str(d / "c")})
    if p.traceback or p.rc != 0:
        return Verdict("failed", p.traceback or f"exit {p.rc}: {p.tail()}")
    got = {sub: d / "out" / sub / "clip.json" for sub in "ab"}
    if not all(f.exists() for f in got.values()):
        return Verdict("lost", f"one result overwrote the other: {sorted(snapshot(d / 'out'))}")
    videos = {sub: json.loads(f.read_text()).get("video", "") for sub, f in got.items()}
    ok = all(f"/{sub}/clip.mp4" in videos[sub] for sub in "ab")
    return guard_files(d, None if ok else f"outputs name the wrong videos: {videos}",
                       "out/a/clip.json + out/b/clip.json")


@case("4b", 4, "run summary.py a/clip.mp4 b/clip.mp4 -o out (two files, one output name)")
def _(d, ctx):
    src = same_named(ctx, d)
    p = ctx.tempo("run", SUMMARY, src / "a" / "clip.mp4", src / "b" / "clip.mp4", "-o", d / "out", "--no-cache", cwd=d)
    if (d / "out" / "clip.json").exists():
        return Verdict("lost", "both written to out/clip.json (one overwritten)")
    problem = refusal(p, 2, "clip")
    if not problem and (d / "out").exists():
        problem = "refused, but created out/"
    return guard_files(d, problem, "refused before any work: both would be out/clip")


@case("4c", 4, "extract folder -o feats with a/clip.mp4 and b/clip.mp4 (MotionStats backbone)")
def _(d, ctx):
    src = same_named(ctx, d)
    p = ctx.tempo("extract", src, "-o", d / "feats", "--backbone", "MotionStats", "--no-cache", cwd=d)
    if p.traceback or p.rc != 0:
        return Verdict("failed", p.traceback or f"exit {p.rc}: {p.tail()}")
    if not all((d / "feats" / sub / "clip.npy").exists() for sub in "ab"):
        return Verdict("lost", f"one result overwrote the other: {sorted(snapshot(d / 'feats'))}")
    return guard_files(d, None, "feats/a/clip.npy + feats/b/clip.npy")


# --- item 5: entry under a wrong key ----------------------------------------------------------------------------------

def swapped_cache(ctx: Ctx, d: Path) -> tuple[Path, Path, Path, Path]:
    """A cache filled by `tempo run` for a.mp4, then b.mp4 (made once, copied into ``d``);
    returns (cache, a's FrameSummary entry, b.mp4, b's FrameSummary entry)."""
    def make():
        src = ctx.media / "two_videos"
        a, b = put(ctx, "a.mp4", src / "a.mp4"), put(ctx, "b.mp4", src / "b.mp4")
        ctx.tempo("run", SUMMARY, a, "--cache-dir", src / "cache", "--json", cwd=src)
        first = set(entries(src / "cache" / "FrameSummary"))
        ctx.tempo("run", SUMMARY, b, "--cache-dir", src / "cache", "--json", cwd=src)
        new = set(entries(src / "cache" / "FrameSummary")) - first
        if len(first) != 1 or len(new) != 1:
            raise RuntimeError(f"expected one FrameSummary entry per video, got {len(first)} and {len(new)}")
        return src, next(iter(first)).relative_to(src), next(iter(new)).relative_to(src)
    src, entry_a, entry_b = ctx.once("two_videos", make)
    shutil.copytree(src, d, dirs_exist_ok=True)
    return d / "cache", d / entry_a, d / "b.mp4", d / entry_b


@case("5a", 5, "cache verify after a.mp4's entry is copied over b.mp4's")
def _(d, ctx):
    cache, entry_a, _, entry_b = swapped_cache(ctx, d)
    shutil.copy(entry_a, entry_b)
    p = ctx.tempo("cache", "verify", "--json", "--cache-dir", cache, cwd=d)
    if p.traceback or p.rc != 0:
        return Verdict("failed", p.traceback or f"exit {p.rc}: {p.tail()}")
    r = json.loads(p.out)
    if r.get("removed") != 1:
        return Verdict("failed", f"verify called the misplaced entry valid: {r}")
    return Verdict("handled", f"verify removed it ({r})")


@case("5b", 5, "run on b.mp4 with a.mp4's entry under b's key")
def _(d, ctx):
    cache, entry_a, b, entry_b = swapped_cache(ctx, d)
    shutil.copy(entry_a, entry_b)
    p = ctx.tempo("run", SUMMARY, b, "--json", "--cache-dir", cache, cwd=d)
    fresh = ctx.tempo("run", SUMMARY, b, "--json", "--no-cache", cwd=d)
    if p.traceback or p.rc != 0:
        return Verdict("failed", p.traceback or f"exit {p.rc}: {p.tail()}")
    got, want = json.loads(p.out)["results"][0]["arrays"], json.loads(fresh.out)["results"][0]["arrays"]
    if got != want:
        return Verdict("failed", f"served a.mp4's features as b.mp4's (arrays {got} != {want})")
    return Verdict("handled", f"recomputed: {json.loads(p.out)['computed']}")


# --- item 6: unusable cache -------------------------------------------------------------------------------------------

def keeps_results(p: Proc, n: int, out: Path) -> str | None:
    """None when all ``n`` results were written; a computed result not written is work thrown away."""
    done = sorted(out.rglob("*.json")) if out.exists() else []
    if len(done) != n:
        return f"lost: {len(done)} of {n} results written (exit {p.rc}: {p.traceback or p.tail()})"
    if p.traceback or p.rc != 0:
        return p.traceback or f"exit {p.rc}: {p.tail()}"
    return None


def finished(d: Path, problem: str | None, ok: str, before: dict | None = None) -> Verdict:
    if problem and problem.startswith("lost: "):
        return Verdict("lost", problem[6:])
    return guard_files(d, problem, ok, before)


@case("6a", 6, "TEMPO_CACHE_DIR pointing at a file; run 2 videos -o out")
def _(d, ctx):
    a, b = put(ctx, "a.mp4", d / "a.mp4"), put(ctx, "b.mp4", d / "b.mp4")
    (d / "cachefile").write_text("my file")
    before = snapshot(d)
    p = ctx.tempo("run", SUMMARY, a, b, "-o", d / "out", cwd=d, env={"TEMPO_CACHE_DIR": str(d / "cachefile")})
    return finished(d, keeps_results(p, 2, d / "out"), "both results written; runs without the cache", before)


@case("6b", 6, "cache folder inside a read-only folder; run 2 videos -o out")
def _(d, ctx):
    if not can_restrict():
        return Verdict("skipped", "running as root without setpriv: mode bits are ignored")
    a, b = put(ctx, "a.mp4", d / "a.mp4"), put(ctx, "b.mp4", d / "b.mp4")
    (d / "ro").mkdir()
    (d / "ro").chmod(0o555)
    try:
        p = ctx.tempo("run", SUMMARY, a, b, "-o", d / "out", cwd=d, restricted=True,
                      env={"TEMPO_CACHE_DIR": str(d / "ro" / "cache")})
    finally:
        (d / "ro").chmod(0o755)
    return finished(d, keeps_results(p, 2, d / "out"), "both results written; runs without the cache")


@case("6c", 6, "a filled cache made read-only; run a new video -o out", slow=True)
def _(d, ctx):
    if not can_restrict():
        return Verdict("skipped", "running as root without setpriv: mode bits are ignored")
    cache = filled_cache(ctx, d / "cache")
    b = put(ctx, "b.mp4", d / "b.mp4")
    dirs = [cache, *[p for p in cache.rglob("*") if p.is_dir()]]
    for p in dirs:
        p.chmod(0o555)
    try:
        p = ctx.tempo("run", SUMMARY, b, "-o", d / "out", "--cache-dir", cache, cwd=d, restricted=True)
    finally:
        for q in dirs:
            q.chmod(0o755)
    return finished(d, keeps_results(p, 1, d / "out"), "result written; runs without writing the cache")


# --- item 7: bad -o ---------------------------------------------------------------------------------------------------

def place(ctx: Ctx, d: Path) -> Path:
    put(ctx, "clip.mp4", d / "in.mp4")
    (d / "afile").write_text("not a folder")
    (d / "adir.mp4").mkdir()
    (d / "adir.mp4" / "inside.txt").write_text("mine")
    return d / "in.mp4"


def bad_output(d, ctx, argv, needle, restricted=False) -> Verdict:
    before = snapshot(d)
    listing = sorted(str(p.relative_to(d)) for p in d.rglob("*"))
    p = ctx.tempo(*argv, cwd=d, restricted=restricted, env={"TEMPO_CACHE_DIR": str(d / "cache")})
    problem = refusal(p, 2, "-o", needle)
    created = sorted(set(str(q.relative_to(d)) for q in d.rglob("*")) - set(listing))
    if not problem and created:
        problem = f"refused, but created {created[:3]}"
    return guard_files(d, problem, f"refused up front: {_reason(p)}", before)


@case("7a", 7, "restore -o adir.mp4 (an existing folder)")
def _(d, ctx):
    return bad_output(d, ctx, ["restore", place(ctx, d), "-o", d / "adir.mp4"], "is a folder")


@case("7b", 7, "restore -o out.xyz (unknown suffix)")
def _(d, ctx):
    return bad_output(d, ctx, ["restore", place(ctx, d), "-o", d / "out.xyz"], ".xyz")


@case("7c", 7, "complete -o afile/x.mp4 (a file where a folder should be)", slow=True)
def _(d, ctx):
    return bad_output(d, ctx, ["complete", place(ctx, d), "--box", "0,0,8,8", "-o", d / "afile" / "x.mp4"],
                      "afile is a file")


@case("7d", 7, "complete -o ro/o.mp4 (read-only folder)")
def _(d, ctx):
    if not can_restrict():
        return Verdict("skipped", "running as root without setpriv: mode bits are ignored")
    clip = place(ctx, d)
    (d / "ro").mkdir()
    (d / "ro").chmod(0o555)
    try:
        return bad_output(d, ctx, ["complete", clip, "--box", "0,0,8,8", "-o", d / "ro" / "o.mp4"], "permission",
                          restricted=True)
    finally:
        (d / "ro").chmod(0o755)


@case("7e", 7, "detect -o afile (an existing file as the output folder)")
def _(d, ctx):
    return bad_output(d, ctx, ["detect", place(ctx, d), "-o", d / "afile"], "afile")


@case("7f", 7, "ground -o results.txt (unknown suffix)")
def _(d, ctx):
    place(ctx, d)
    return bad_output(d, ctx, ["ground", d, "a square moves", "-o", d / "results.txt"], "results.txt")


# --- item 8: stale temp files -----------------------------------------------------------------------------------------

def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def stale_temps(cache: Path) -> dict[str, Path]:
    """Temp files as a killed writer leaves them, named by the cache's documented layout
    (<stage>/<key[:2]>/.<key>.<host>-<pid>.<random>.tmp), beside a real entry."""
    import re

    entry = entries(cache / "FrameSummary")[0]
    key, folder = entry.stem, entry.parent
    host = re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname())[:64]
    files = {"dead": folder / f".{key}.{host}-{dead_pid()}.abc123.tmp",
             "old": folder / f".{key}.q8z1k2lp.tmp",  # an earlier tempo's name, 2 h old
             "live": folder / f".{key}.{host}-{os.getpid()}.def456.tmp"}  # this process: alive
    for p in files.values():
        p.write_bytes(b"partial")
    hours_ago = time.time() - 7200
    os.utime(files["old"], (hours_ago, hours_ago))
    return files


@case("8a", 8, "cache info counts temp files left by killed writers; verify removes the stale ones")
def _(d, ctx):
    cache = filled_cache(ctx, d / "cache")
    temps = stale_temps(cache)
    p = ctx.tempo("cache", "info", "--json", "--cache-dir", cache, cwd=d)
    if p.traceback or p.rc != 0:
        return Verdict("failed", p.traceback or f"info: exit {p.rc}: {p.tail()}")
    info = json.loads(p.out)
    if info.get("temp_files") != 3 or info.get("stale_temp_files") != 2:
        return Verdict("failed", f"info: temp_files={info.get('temp_files')} stale={info.get('stale_temp_files')}, "
                                 "expected 3 and 2")
    p = ctx.tempo("cache", "verify", "--cache-dir", cache, cwd=d)
    left = sorted(k for k, f in temps.items() if f.exists())
    if p.traceback or p.rc != 0 or left != ["live"]:
        return Verdict("failed", p.traceback or f"verify exit {p.rc}; temp files left: {left}")
    return Verdict("handled", "info: 3 temp (2 stale); verify removed the 2 stale, kept the live one")


@case("8b", 8, "the next write into that cache folder removes stale temp files")
def _(d, ctx):
    cache = filled_cache(ctx, d / "cache")
    temps = stale_temps(cache)
    entry = entries(cache / "FrameSummary")[0]
    entry.unlink()  # the next run rewrites this entry, in the folder holding the temp files
    p = ctx.tempo("run", SUMMARY, media(ctx, "a.mp4"), "--json", "--cache-dir", cache, cwd=d)
    left = sorted(k for k, f in temps.items() if f.exists())
    if p.traceback or p.rc != 0 or left != ["live"]:
        return Verdict("failed", p.traceback or f"exit {p.rc}; temp files left: {left}")
    return Verdict("handled", "stale temp files removed on write, the live one kept")


# --- item 9: modes ----------------------------------------------------------------------------------------------------

def modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mode & 0o777 for p in folder.rglob("*") if p.is_file()}


def mode_case(d, ctx, argv, umask, folders) -> Verdict:
    p = ctx.tempo(*argv, cwd=d, umask=umask)
    if p.traceback or p.rc != 0:
        return Verdict("failed", p.traceback or f"exit {p.rc}: {p.tail()}")
    want = 0o666 & ~umask
    got = {f"{f.name}/{k}": m for f in folders for k, m in modes(f).items()}
    wrong = {k: oct(m) for k, m in got.items() if m != want}
    if not got or wrong:
        return Verdict("failed", f"expected {oct(want)}: {dict(list(wrong.items())[:3]) or 'no files'}")
    return Verdict("handled", f"{len(got)} file(s), all {oct(want)}")


@case("9a", 9, "umask 022: run -o out and its cache entries are 0644")
def _(d, ctx):
    clip = put(ctx, "a.mp4", d / "a.mp4")
    return mode_case(d, ctx, ["run", SUMMARY, clip, "-o", d / "out", "--cache-dir", d / "cache"], 0o022,
                     [d / "out", d / "cache"])


@case("9b", 9, "umask 027: extract -o feats files are 0640", slow=True)
def _(d, ctx):
    clip = put(ctx, "a.mp4", d / "a.mp4")
    return mode_case(d, ctx, ["extract", clip, "-o", d / "feats", "--backbone", "MotionStats", "--cache-dir",
                              d / "cache"], 0o027, [d / "feats", d / "cache"])


@case("9c", 9, "umask 022: restore -o r.mp4 is 0644", slow=True)
def _(d, ctx):
    clip = put(ctx, "clip.mp4", d / "clip.mp4")
    (d / "out").mkdir()
    return mode_case(d, ctx, ["restore", clip, "-o", d / "out" / "r.mp4", "--no-cache"], 0o022, [d / "out"])


# --- item 10: damaged middle ------------------------------------------------------------------------------------------

def decodes_around(d, ctx, argv, out_glob) -> Verdict:
    p = ctx.tempo(*argv, cwd=d, env={"TEMPO_CACHE_DIR": str(d / "cache")})
    if p.traceback:
        return Verdict("failed", f"traceback: {p.traceback[:150]}")
    if p.rc != 0:
        return Verdict("failed", f"rejected whole (exit {p.rc}): {p.tail()[:150]}")
    if not list(d.glob(out_glob)):
        return Verdict("failed", f"exit 0 but no {out_glob}")
    warn = [l for l in p.err.splitlines() if "damaged.mp4" in l and ("decod" in l or "lost" in l)]
    if not warn:
        return Verdict("failed", "result written, but no warning names the lost frames")
    return Verdict("handled", warn[0][-100:])


@case("10a", 10, "extract a video with a corrupt middle (MotionStats)")
def _(d, ctx):
    clip = put(ctx, "damaged.mp4", d / "damaged.mp4")
    return decodes_around(d, ctx, ["extract", clip, "-o", d / "feats", "--backbone", "MotionStats"], "feats/*.npy")


@case("10b", 10, "detect a video with a corrupt middle", slow=True)
def _(d, ctx):
    clip = put(ctx, "damaged.mp4", d / "damaged.mp4")
    return decodes_around(d, ctx, ["detect", clip, "-o", d / "out", "--formats", "json"], "out/*.json")


@case("10c", 10, "run summary.py on a video with a corrupt middle")
def _(d, ctx):
    clip = put(ctx, "damaged.mp4", d / "damaged.mp4")
    return decodes_around(d, ctx, ["run", SUMMARY, clip, "-o", d / "out"], "out/*.json")


# --- item 11: symlinks ------------------------------------------------------------------------------------------------

def link_folder(ctx: Ctx, d: Path) -> Path:
    folder = d / "clips"
    put(ctx, "a.mp4", folder / "good.mp4")
    (folder / "loop1.mp4").symlink_to("loop2.mp4")
    (folder / "loop2.mp4").symlink_to("loop1.mp4")
    (folder / "gone.mp4").symlink_to("deleted.mp4")
    return folder


def links_case(d, ctx, argv, bad) -> Verdict:
    p = ctx.tempo(*argv, cwd=d, env={"TEMPO_CACHE_DIR": str(d / "cache")})
    if p.traceback:
        return Verdict("failed", f"traceback: {p.traceback[:150]}")
    if not (d / "feats" / "good.npy").exists():
        return Verdict("failed", f"good.mp4 not processed (exit {p.rc}): {p.tail()[:120]}")
    silent = [n for n in bad if not any(n in l for l in p.err.splitlines())]
    if silent:
        return Verdict("failed", f"skipped without a word: {silent}")
    if p.rc != 1:
        return Verdict("failed", f"exit {p.rc}, expected 1 (some inputs failed)")
    return Verdict("handled", "one line per bad link, good.mp4 done, exit 1")


@case("11a", 11, "extract a folder with a symlink loop and a broken symlink")
def _(d, ctx):
    folder = link_folder(ctx, d)
    return links_case(d, ctx, ["extract", folder, "-o", d / "feats", "--backbone", "MotionStats"],
                      ["loop1.mp4", "loop2.mp4", "gone.mp4"])


@case("11b", 11, "extract clips/loop1.mp4 clips/good.mp4 (a loop given directly)")
def _(d, ctx):
    folder = link_folder(ctx, d)
    return links_case(d, ctx, ["extract", folder / "loop1.mp4", folder / "good.mp4", "-o", d / "feats",
                               "--backbone", "MotionStats"], ["loop1.mp4"])


# --- item 19 ----------------------------------------------------------------------------------------------------------

@case("19a", 19, "tempo run --help says a .py config runs as code")
def _(d, ctx):
    p = ctx.tempo("run", "--help", cwd=d)
    text = " ".join(p.out.split())
    ok = p.rc == 0 and "executes" in text and "trust" in text
    return verdict(None if ok else f"exit {p.rc}; no warning in --help", "--help warns: Python configs execute")


# --- item 20: lying AVIs ----------------------------------------------------------------------------------------------

def avi_case(d, ctx, name) -> Verdict:
    clip = put(ctx, name, d / name)
    p = ctx.tempo("run", SUMMARY, clip, "--json", "--no-cache", cwd=d, mem_gib=16, timeout=240)
    if p.rc < 0 or p.rc > 128:
        return Verdict("failed", f"killed (exit {p.rc}): {p.tail()[:150]}")
    if p.traceback or p.rc != 0:
        return Verdict("failed", p.traceback or f"exit {p.rc}: {p.tail()[:150]}")
    arrays = json.loads(p.out)["results"][0]["arrays"]
    shape = arrays.get("times") or next(iter(arrays.values()))
    if shape[0] != 6:
        return Verdict("failed", f"read {shape[0]} samples, expected 6 (3 s at 2 fps)")
    return Verdict("handled", "3 s read (6 samples at 2 fps)")


@case("20a", 20, "run summary.py on an MJPEG AVI whose header claims 2**31-1 frames")
def _(d, ctx):
    return avi_case(d, ctx, "huge.avi")


@case("20b", 20, "the same with its idx1 index removed (demuxer scans)")
def _(d, ctx):
    return avi_case(d, ctx, "huge_noindex.avi")


@case("20c", 20, "run summary.py on an MPEG-4 AVI with B-frames (Megamind.avi's layout)")
def _(d, ctx):
    return avi_case(d, ctx, "divx.avi")


# --- items 12-18: the demo --------------------------------------------------------------------------------------------

class DemoServer:
    """``tempo demo --root ROOT --port P`` started by this script, stopped by its pid."""

    def __init__(self, ctx: Ctx):
        self.work = ctx.work / "demo"
        self.root = self.work / "root"
        self.outside = self.work / "outside"
        (self.root / "clips").mkdir(parents=True)
        self.outside.mkdir()
        (self.root / ".env").write_text("API_KEY=secret-reliability\n")
        (self.root / "notes.txt").write_text("private notes\n")
        put(ctx, "b.mp4", self.root / "clips" / "a.mp4")
        (self.root / "clips" / "bad.mp4").write_bytes(b"not a video at all")
        put(ctx, "a.mp4", self.outside / "private.mp4")
        (self.root / "clips" / "link_out.mp4").symlink_to(self.outside / "private.mp4")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = open(self.work / "server.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "tempo", "demo", "--root", str(self.root), "--port",
                                      str(self.port)], cwd=self.work, env=ctx.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tempo demo exited {self.proc.returncode}: {self.log_tail()}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(self.url, timeout=5).read(1)
                return
            time.sleep(0.5)
        raise RuntimeError(f"tempo demo not up after 120 s: {self.log_tail()}")

    def log_tail(self) -> str:
        self.log.flush()
        lines = (self.work / "server.log").read_text(errors="replace").strip().splitlines()
        return lines[-1][:200] if lines else ""

    def get_file(self, path) -> tuple[int, bytes]:
        url = self.url + "gradio_api/file=" + urllib.parse.quote(str(path))
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def client(self):
        from gradio_client import Client

        try:
            return Client(self.url, verbose=False, download_files=False)
        except TypeError:
            return Client(self.url, verbose=False)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group this script started (start_new_session)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def demo(ctx: Ctx) -> DemoServer:
    if ctx.demo is None:
        ctx.demo = DemoServer(ctx)
    return ctx.demo


def refused_files(server: DemoServer, paths, secrets: list[bytes]) -> Verdict:
    served = []
    for path in paths:
        status, body = server.get_file(path)
        if status == 200 or any(s in body for s in secrets):
            served.append(str(Path(path).relative_to(server.work)) if server.work in Path(path).parents else str(path))
    if served:
        return Verdict("failed", f"served: {', '.join(served)}")
    return Verdict("handled", f"{len(paths)} refused (403/404)")


@case("12a", 12, "GET /gradio_api/file=ROOT/.env and ROOT/notes.txt", how="http")
def _(d, ctx):
    s = demo(ctx)
    return refused_files(s, [s.root / ".env", s.root / "notes.txt"], [b"API_KEY", b"private notes"])


@case("12b", 12, "GET /gradio_api/file= of a file outside --root (/etc/passwd, ../outside)", how="http")
def _(d, ctx):
    s = demo(ctx)
    return refused_files(s, ["/etc/passwd", s.outside / "private.mp4", s.root / ".." / "outside" / "private.mp4"],
                         [b"root:x:0:0"])


@case("13a", 13, "GET the video a symlink in ROOT points at outside it, after listing the folder", how="http")
def _(d, ctx):
    s = demo(ctx)
    with contextlib.suppress(Exception):  # list the folder first: a fixed server serves only listed videos
        s.client().predict("clips", api_name="/clips_in")
    return refused_files(s, [s.root / "clips" / "link_out.mp4"], [])


@case("14a", 14, "Detect actions tab: /do_detect on clips/a.mp4", how="http")
def _(d, ctx):
    s = demo(ctx)
    client = s.client()
    with contextlib.suppress(Exception):
        client.predict("clips", api_name="/clips_in")
    try:
        result = client.predict("clips/a.mp4", api_name="/do_detect")
    except Exception as exc:  # noqa: BLE001 - the server failing is the finding
        return Verdict("failed", f"{type(exc).__name__}: {str(exc)[:150]}")
    status = str(result[1]) if isinstance(result, (list, tuple)) and len(result) > 1 else str(result)
    if "Error" in status or "ImportError" in status:
        return Verdict("failed", status[:150])
    return Verdict("handled", status[:100])


@case("16a", 16, "POST a 2 MiB file to /gradio_api/upload (the app takes no uploads)", how="http")
def _(d, ctx):
    s = demo(ctx)
    boundary = "reliabilityboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n")
    body = head.encode() + b"x" * (2 << 20) + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(s.url + "gradio_api/upload", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return Verdict("failed", f"accepted (HTTP {r.status})")
    except urllib.error.HTTPError as e:
        return verdict(None if e.code == 413 else f"HTTP {e.code}, expected 413", "HTTP 413")


@case("18a", 18, "/do_detect on clips/bad.mp4: the error shows no absolute server path", how="http")
def _(d, ctx):
    s = demo(ctx)
    client = s.client()
    with contextlib.suppress(Exception):
        client.predict("clips", api_name="/clips_in")
    try:
        result = client.predict("clips/bad.mp4", api_name="/do_detect")
        text = json.dumps(result, default=str)
    except Exception as exc:  # noqa: BLE001
        text = str(exc)
    leaked = [str(p) for p in (s.root, s.work, ctx.work) if str(p) in text]
    if leaked:
        return Verdict("failed", f"message shows {leaked[0]}")
    if "bad.mp4" not in text:
        return Verdict("failed", f"no error naming clips/bad.mp4: {text[:120]}")
    return Verdict("handled", "names clips/bad.mp4, no absolute path")


def search(s: DemoServer, query: str, timeout=120):
    """(rows, status, gallery) of the Search tab; the default grounding model indexes the folder first."""
    job = s.client().submit("clips", query, 5, api_name="/do_search")
    return job.result(timeout=timeout)


def paths_in(obj) -> list[str]:
    if isinstance(obj, dict):
        return [obj["path"]] if isinstance(obj.get("path"), str) else [p for v in obj.values() for p in paths_in(v)]
    if isinstance(obj, (list, tuple)):
        return [p for v in obj for p in paths_in(v)]
    return []


@case("13b", 13, "search the folder: is the symlink out of ROOT indexed and ranked?", how="http")
def _(d, ctx):
    rows, status, _ = search(demo(ctx), "a bright bar moves right")
    clips = [r[1] for r in (rows.get("data", []) if isinstance(rows, dict) else rows)]
    if not clips:
        return Verdict("failed", f"no results: {str(status)[:120]}")
    if any("link_out" in c for c in clips):
        return Verdict("failed", f"indexed the file outside ROOT: results {clips}")
    return Verdict("handled", f"results only from ROOT: {sorted(set(clips))}")


@case("17a", 17, "the same search twice: are the first search's thumbnail files rewritten?", how="http")
def _(d, ctx):
    s = demo(ctx)
    first = paths_in(search(s, "a bright bar moves right")[2])
    kept = {p: s.get_file(p) for p in first}
    second = paths_in(search(s, "a bright bar moves right")[2])
    if not first or not second:
        return Verdict("failed", "no thumbnails")
    if set(first) & set(second):
        again = len(set(first) & set(second))
        return Verdict("failed", f"{again} thumbnail files handed out again (rewritten in place)")
    if any(s.get_file(p) != kept[p] for p in first):
        return Verdict("failed", "a served thumbnail changed after the second search")
    return Verdict("handled", f"{len(second)} new files; the first {len(first)} unchanged")


@case("16b", 16, "/do_search with a 10,000-character query", how="http")
def _(d, ctx):
    try:
        result = search(demo(ctx), "spin " * 2000, timeout=60)
    except TimeoutError:
        return Verdict("failed", "no cap: still running after 60 s")
    except Exception as exc:  # noqa: BLE001
        return Verdict("failed", f"{type(exc).__name__}: {str(exc)[:150]}")
    text = json.dumps(result, default=str)
    return verdict(None if "too long" in text.lower() else f"accepted: {text[:120]}", "refused: query too long")


DEMO_TESTS = {  # what only the demo's own pytest test checks (it needs --checkpoint-dir and two sessions)
    "15a": (15, "one visitor's checkpoint choice is not another's", "test_checkpoint_choice_is_per_session"),
}
DEMO_TEST_FILE = "tests/test_demo_server.py"


def _demo_test_case(name):
    def run(d, ctx):
        results = ctx.once("demo_tests", lambda: run_demo_tests(ctx))
        if results is None:
            return Verdict("unchecked", f"{DEMO_TEST_FILE} is not in this checkout")
        outcome = results.get(name)
        if outcome == "passed":
            return Verdict("handled", f"{DEMO_TEST_FILE}::{name} passed")
        return Verdict("failed", f"{DEMO_TEST_FILE}::{name} {outcome or 'did not run'}")
    return run


def run_demo_tests(ctx: Ctx) -> dict[str, str] | None:
    if not (REPO / DEMO_TEST_FILE).exists():
        return None
    nodes = [f"{DEMO_TEST_FILE}::{t}" for _, _, t in DEMO_TESTS.values()]
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                        f"--basetemp={ctx.work / 'pytest'}", *nodes], cwd=REPO, env=ctx.env, capture_output=True,
                       text=True, timeout=600)
    out = {}
    for line in p.stdout.splitlines():
        for word in ("PASSED", "FAILED", "ERROR", "SKIPPED"):
            if line.startswith(word + " ") and "::" in line:
                out[line.split("::")[-1].split()[0]] = word.lower()
    return out


for _id, (_item, _tried, _test) in DEMO_TESTS.items():
    case(_id, _item, _tried, how=f"pytest {DEMO_TEST_FILE}", slow=True)(_demo_test_case(_test))


# --- driver -----------------------------------------------------------------------------------------------------------

def parse_items(spec: str | None) -> set[int] | None:
    if not spec:
        return None
    items = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        items.update(range(int(lo), int(hi or lo) + 1))
    return items


def select(items: set[int] | None = None, fast=False) -> list[Case]:
    chosen = [c for c in CASES if (items is None or c.item in items) and not (fast and c.slow)]
    # CLI cases first, then the demo server's (its slow query last), then the demo's pytest tests
    return sorted(chosen, key=lambda c: (["cli", "http"].index(c.how) if c.how in ("cli", "http") else 2, c.slow,
                                         c.item, c.id))


def run_case(c: Case, ctx: Ctx) -> Row:
    d = ctx.work / "cases" / c.id
    d.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    try:
        v = c.fn(d, ctx)
    except Exception as exc:  # noqa: BLE001 - a case that cannot even be set up is not a pass
        v = Verdict("failed", f"check could not run: {type(exc).__name__}: {str(exc)[:150]}")
    detail = " ".join(v.detail.replace(str(d), "<case>").replace(str(ctx.work), "<tmp>").split())
    detail = detail if len(detail) <= 140 else detail[:139] + "…"
    return Row(c.id, c.item, c.tried, c.how, v.outcome, detail, round(time.time() - t0, 1))


def run_cases(cases: list[Case], work: Path, progress=None) -> list[Row]:
    ctx = Ctx(work)
    rows = []
    try:
        for c in cases:
            rows.append(run_case(c, ctx))
            if progress:
                progress(rows[-1])
    finally:
        if ctx.demo is not None:
            ctx.demo.stop()
    return rows


def totals(rows: list[Row]) -> dict[str, int]:
    return {"tried": len(rows), **{o: sum(r.outcome == o for r in rows) for o in OUTCOMES}}


def print_table(rows: list[Row]) -> None:
    rows = sorted(rows, key=lambda r: (r.item, r.id))
    width = max(len(r.tried) for r in rows)
    print(f"{'case':<5} {'item':>4}  {'what was tried':<{width}}  {'how':<6}  {'outcome':<9} {'s':>5}  detail")
    for r in rows:
        how = r.how.split()[0]
        print(f"{r.id:<5} {r.item:>4}  {r.tried:<{width}}  {how:<6}  {r.outcome:<9} {r.seconds:>5.1f}  {r.detail}")
    t = totals(rows)
    print("\n" + ", ".join(f"{k} {v}" for k, v in t.items()) +
          f"  ({sum(r.seconds for r in rows):.0f} s)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print rows and totals as JSON")
    ap.add_argument("--items", help="issue items to check, e.g. 1-9,19 (default: all)")
    ap.add_argument("--fast", action="store_true", help="only the quick cases (tests/test_reliability.py runs these)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder and print its path")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args(argv)
    cases = select(parse_items(args.items), args.fast)
    if args.list:
        for c in cases:
            print(f"{c.id:<5} {c.item:>3}  {c.how:<10} {'slow ' if c.slow else ''}{c.tried}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="tempo-reliability-"))
    try:
        progress = None if args.json else (lambda r: print(f"  {r.id:<5} {r.outcome:<9} {r.seconds:5.1f} s",
                                                           file=sys.stderr, flush=True))
        rows = run_cases(cases, work, progress)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps({"cases": [asdict(r) for r in rows], "totals": totals(rows)}, indent=2))
    else:
        print_table(rows)
    return 1 if any(r.outcome in ("failed", "lost") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
