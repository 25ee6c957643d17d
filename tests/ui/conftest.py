"""Fixtures for the real-browser tests: a JupyterLab server and a headless Chromium page.

Playwright drives the first Chromium-family browser found (:func:`find_browser`): the one named
by ``GANLAB_BROWSER``, else Debian's ``chromium`` or Google Chrome on the PATH or where they
install, else Playwright's own Chromium if ``playwright install chromium`` has fetched it. The
server serves a temporary copy of ``notebooks/``, so running cells (and JupyterLab's autosave)
never touches the repository's notebooks.

Without a browser these tests skip, and the summary says how to get one. With
``GANLAB_REQUIRE_BROWSER=1`` (CI sets it) a missing browser fails them instead; with
``GANLAB_SKIP_UI=1`` they skip on purpose.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_lookup import HOW_TO_GET_A_BROWSER, find_browser, flag

from ganlab.cache import cache_dir

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 90.0

# JupyterLab user settings for the test server: no news prompt, and every cell attached to the
# page (no windowing), so what the tests look for is in the DOM wherever it is scrolled to.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Path of the browser; skips (or, with GANLAB_REQUIRE_BROWSER=1, fails) without one."""
    if flag("GANLAB_SKIP_UI"):
        pytest.skip("GANLAB_SKIP_UI=1: real-browser tests skipped on request")
    path = find_browser()
    if path is None:
        where = (f"GANLAB_BROWSER={os.environ['GANLAB_BROWSER']!r} is not an executable"
                 if "GANLAB_BROWSER" in os.environ else "no Chromium-family browser found")
        if flag("GANLAB_REQUIRE_BROWSER"):
            pytest.fail(f"{where}, and GANLAB_REQUIRE_BROWSER=1 requires one: "
                        f"{HOW_TO_GET_A_BROWSER}.", pytrace=False)
        pytest.skip(f"real-browser tests skipped: {where}. To run them, {HOW_TO_GET_A_BROWSER}.")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernel_cache_dir(scratch: Path) -> str:
    """GANLAB_CACHE_DIR for the kernels: the user's (so compiled programs are reused), or a
    scratch folder when that one cannot be written."""
    with contextlib.suppress(OSError):
        base = cache_dir()
        if os.access(base, os.W_OK):
            return str(base)
    fallback = scratch / "ganlab-cache"
    fallback.mkdir(exist_ok=True)
    return str(fallback)


def _write_lab_settings(folder: Path) -> None:
    for name, values in LAB_SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _log_tail(log: Path, n: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return log.read_text(errors="replace")[-n:]
    return ""


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {proc.returncode} before answering; "
                f"its log ends with:\n{_log_tail(log)}"
            )
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(f"{url}/api/status", timeout=2) as reply,
        ):
            if reply.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(
        f"JupyterLab did not answer {url}/api/status within {SERVER_START_TIMEOUT_S:.0f} s; "
        f"its log ends with:\n{_log_tail(log)}"
    )


@pytest.fixture(scope="session")
def lab_server(chromium_executable, tmp_path_factory) -> dict:
    """A JupyterLab server on a free loopback port, serving a temporary copy of notebooks/.

    Yields ``{"url": ..., "root": copy of notebooks/, "log": server log file}``; the server is
    terminated (and killed if it does not stop) afterwards, whatever happened.
    """
    scratch = tmp_path_factory.mktemp("lab")
    root = scratch / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = scratch / "user-settings"
    _write_lab_settings(settings)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"

    env = dict(os.environ)
    env.update(
        GANLAB_CACHE_DIR=_kernel_cache_dir(scratch),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--PasswordIdentityProvider.hashed_password=",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands by name
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")

    log = scratch / "jupyterlab.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, proc, log)
        yield {"url": url, "root": root, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium_executable):
    """A headless chromium driven by Playwright, shared by the tests of one worker."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # it is in the "test" extra: `make install` provides it
        pytest.fail(f"Playwright is not installed ({exc}); run `make install`.", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, tmp_path):
    """A fresh page (own context: no shared storage) that records uncaught page errors in
    ``page.errors``. When the test fails, a screenshot goes to its tmp_path (see the hook below).
    """
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    new_page.errors = []
    new_page.on("pageerror", lambda error: new_page.errors.append(str(error)))
    new_page.failure_screenshot = tmp_path / "failure.png"
    try:
        yield new_page
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test that used ``page``, save a screenshot and name it in the report."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            page.screenshot(path=str(page.failure_screenshot), full_page=True)
            report.sections.append(("browser screenshot", str(page.failure_screenshot)))
        except (PlaywrightError, OSError) as exc:  # must not hide the test's own failure
            report.sections.append(("browser screenshot", f"not saved: {exc}"))
    return report
