"""Which browser the real-browser tests use, and what happens without one (no browser started)."""

from __future__ import annotations

import os
import stat

from browser_lookup import find_browser, flag


def _fake_browser(folder, name="chromium"):
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_ganlab_browser_is_the_only_place_looked_at(monkeypatch, tmp_path):
    fake = _fake_browser(tmp_path, "my-chrome")
    monkeypatch.setenv("GANLAB_BROWSER", str(fake))
    assert find_browser() == str(fake)
    monkeypatch.setenv("GANLAB_BROWSER", str(tmp_path / "missing"))
    assert find_browser() is None
    monkeypatch.setenv("GANLAB_BROWSER", "")
    assert find_browser() is None


def test_the_path_comes_first(monkeypatch, tmp_path):
    fake = _fake_browser(tmp_path)
    monkeypatch.delenv("GANLAB_BROWSER", raising=False)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    assert find_browser() == str(fake)


def test_flags(monkeypatch):
    for value, expected in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv("GANLAB_REQUIRE_BROWSER", value)
        assert flag("GANLAB_REQUIRE_BROWSER") is expected
    monkeypatch.delenv("GANLAB_REQUIRE_BROWSER")
    assert flag("GANLAB_REQUIRE_BROWSER") is False
