"""Every committed notebook follows the collection's conventions, and makes a slide deck.

Conventions: a python3 kernelspec; a title cell "# NN · ..." that is the first slide;
a ``parameters``-tagged cell; numbered "## " sections, each a new slide, ending with exercises
and a summary; stored outputs without timings, memory addresses or temporary paths; widget
cells marked ``# NBVAL_IGNORE_OUTPUT``; every cell placed on a slide (or skipped).
"""

from __future__ import annotations

import html as html_lib
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
BAD_OUTPUT = [
    (re.compile(r"\b0x[0-9a-f]{8,}\b"), "a memory address"),
    (re.compile(r"/tmp/|/var/folders/|\\AppData\\"), "a temporary path"),
    (re.compile(r"(Wall time|CPU times):"), "a timing"),
    (re.compile(r"\b\d+(\.\d+)?\s?(s|ms)/it\b|\bit/s\]"), "a progress bar"),
]


def _tool(name: str):
    """A script of tools/ as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_slides = _tool("make_slides")


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    data = output.get("data", {})
    return "".join(str(data.get(kind, "")) for kind in ("text/plain", "text/html"))


def test_structure(notebook):
    path, nb = notebook
    assert nb.metadata.kernelspec.name == "python3"
    title = nb.cells[0]
    number = path.name[:2]
    assert title.cell_type == "markdown" and title.source.startswith(f"# {number} · "), path.name
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    headings = [c.source.splitlines()[0] for c in nb.cells
                if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert any("Exercises" in h for h in headings), headings
    assert headings[-1].startswith("## Summary"), headings
    checks = [c for c in nb.cells if c.cell_type == "code" and "gl.exercises.check(" in c.source]
    assert checks, "no self-checking exercise"
    assert all(re.search(r"^answer = None", c.source, re.M) for c in checks), \
        "exercise cells must be committed with answer = None"


def test_outputs_are_clean(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name} cell {i} was not executed"
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name} cell {i} raised"
            text = _text(output)
            for pattern, what in BAD_OUTPUT:
                assert not pattern.search(text), f"{path.name} cell {i} prints {what}: {text[:200]}"
            widget = "application/vnd.jupyter.widget-view+json" in output.get("data", {})
            if widget:
                assert cell.source.startswith("# NBVAL_IGNORE_OUTPUT"), \
                    f"{path.name} cell {i} shows a widget but is not marked NBVAL_IGNORE_OUTPUT"


def test_slide_metadata(notebook):
    path, nb = notebook
    make_slides.check_slide_metadata(nb, path.name)
    for i, cell in enumerate(nb.cells):
        kind = cell.metadata.slideshow.slide_type
        assert kind in SLIDE_TYPES, f"{path.name} cell {i}: slide_type {kind!r}"
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            assert kind == "slide", f"{path.name} cell {i}: a section heading must start a slide"
        if "parameters" in cell.metadata.get("tags", []):
            assert kind == "skip", f"{path.name}: the parameters cell belongs off the slides"


def test_deck(notebook, tmp_path):
    """The deck has one section per slide and subslide; hidden inputs and skipped cells are gone."""
    path, nb = notebook
    html = make_slides.make_deck(path, tmp_path).read_text(encoding="utf-8")
    starts = sum(c.metadata.slideshow.slide_type in {"slide", "subslide"} for c in nb.cells)
    slides = sum(c.metadata.slideshow.slide_type == "slide" for c in nb.cells)
    # Reveal.js: an outer <section> per slide holding an inner <section> per (sub)slide.
    assert html.count("<section") == starts + slides
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", html))  # what the deck shows, as text
    shown = hidden = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or len(cell.source) < 40:
            continue
        line = max(cell.source.splitlines(), key=len).strip()
        if "hide-input" in cell.metadata.get("tags", []) or \
                cell.metadata.slideshow.slide_type == "skip":
            assert line not in text, f"hidden code shown: {line}"
            hidden += 1
        else:
            assert line in text, f"code missing from the deck: {line}"
            shown += 1
    assert shown and hidden
    assert not list(tmp_path.glob("*.tmp"))



def test_gallery_is_up_to_date():
    """docs/gallery and the README's gallery match the notebooks' stored figures
    (`make gallery` after `make notebooks` fixes a failure here)."""
    gallery = _tool("export_gallery")
    items = gallery.collect(NOTEBOOKS)
    assert len(items) >= len(NOTEBOOKS)
    for name, _, png in items:
        stored = ROOT / "docs" / "gallery" / name
        assert stored.exists() and stored.read_bytes() == png, f"docs/gallery/{name} is stale"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gallery.readme_with(readme, items) == readme, "the README's gallery is stale"
    assert sorted(p.name for p in (ROOT / "docs" / "gallery").glob("*.png")) == \
        sorted(name for name, _, _ in items)
