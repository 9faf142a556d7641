"""Debian's chromium for the Playwright test: found at /usr/bin/chromium, or installed with apt once.

A fresh clone runs the README's one test command with no browser on the machine; the suite must set
it up itself (we run as root in CI). Only when installing is impossible (not root, no apt, no network)
does the browser test skip, and then with a warning that the pytest summary shows.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
# wait for a dpkg lock held by another apt run instead of failing at once
INSTALL = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", "chromium"]


def _apt(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=APT_ENV, capture_output=True, text=True)


def ensure_chromium() -> tuple[Path | None, str]:
    """(path, "") when chromium is there or was installed now; (None, why not) otherwise."""
    if CHROMIUM.exists():
        return CHROMIUM, ""
    if not shutil.which("apt-get"):
        return None, f"{CHROMIUM} is missing and there is no apt-get to install it"
    if os.geteuid() != 0:
        return None, f"{CHROMIUM} is missing; installing it needs root: sudo apt-get install chromium"
    result = _apt(INSTALL)
    if result.returncode != 0:  # a fresh image has no package lists yet
        update = _apt(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-qq"])
        result = _apt(INSTALL) if update.returncode == 0 else update
    if result.returncode != 0 or not CHROMIUM.exists():
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"could not install chromium with apt-get (exit {result.returncode}): {tail[0]}"
    return CHROMIUM, ""
