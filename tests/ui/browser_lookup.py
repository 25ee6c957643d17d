"""Finding a Chromium-family browser for the real-browser tests (see conftest.py)."""

from __future__ import annotations

import os
import shutil

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
BROWSER_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/opt/google/chrome/chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
HOW_TO_GET_A_BROWSER = (
    "install Chromium (Debian/Ubuntu: `apt-get install -y chromium`) or Google Chrome, "
    "or Playwright's own build (`.venv/bin/python -m playwright install chromium`), "
    "or point GANLAB_BROWSER at a Chromium-family executable"
)


def flag(name: str) -> bool:
    """True when environment variable ``name`` is 1, true, yes or on."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _playwright_chromium() -> str | None:
    """Playwright's own Chromium, if it has been downloaded (never downloads it)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except PlaywrightError:
        return None
    return path if path and os.access(path, os.X_OK) else None


def find_browser() -> str | None:
    """Path of a Chromium-family browser for Playwright, or None.

    ``GANLAB_BROWSER``, when set, is the only place looked at (an empty or missing path finds
    nothing: that is how to test the skip). Otherwise: the PATH, the usual install folders, then
    Playwright's own download.
    """
    chosen = os.environ.get("GANLAB_BROWSER")
    if chosen is not None:
        return shutil.which(chosen) if chosen.strip() else None
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    for path in BROWSER_PATHS:
        if os.access(path, os.X_OK):
            return path
    return _playwright_chromium()
