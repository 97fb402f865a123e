"""Headless Chromium driven from its command line, for when ChromeDriver is not installed.

``chromium --headless --dump-dom`` loads a page, runs its scripts and prints the DOM as the
browser built it; ``--screenshot`` renders it to a PNG. Enough to check what a person sees on
the server-rendered pages; clicking through them needs the WebDriver tests.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def webdriver_chrome(profile: Path, browser_log: bool = False):
    """Headless Chromium driven through ChromeDriver (Selenium), never fetching a driver; ``browser_log``
    keeps the console's messages for ``driver.get_log("browser")``."""
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium fetch drivers
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if browser_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


def _run(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=120, check=False)


def dump_dom(url: str) -> str:
    """The page's DOM after its scripts ran, as Chromium serializes it."""
    done = _run("--virtual-time-budget=5000", "--dump-dom", url)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode("utf-8")


def screenshot(url: str, path: Path, size: str = "1280,1000") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _run(f"--screenshot={path}", f"--window-size={size}", url)
    assert done.returncode == 0 and path.stat().st_size > 1000, done.stderr.decode(errors="replace")[-2000:]
    return path
