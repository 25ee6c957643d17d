"""Write one Reveal.js slide deck per notebook from the slide metadata stored in the notebooks.

    python tools/make_slides.py [notebooks/04_kl_to_jsd.ipynb ...]   (default: all of them)

Decks go to ``build/slides/<notebook>.slides.html`` and use the notebooks' stored outputs (run
``make notebooks`` first to refresh them). Each cell's ``metadata.slideshow.slide_type`` decides
where it goes: ``slide`` starts a new slide (the title and every "## " section), ``subslide`` a
step down in the same section, ``fragment`` appears on the next click, ``-`` continues the
current slide, ``skip`` leaves the cell out (imports, parameters). Code cells tagged
``hide-input`` show only their output (plotting boilerplate). Open a deck in a browser and
press ``?`` for Reveal.js's keys (``s``: speaker view, ``f``: full screen).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "slides"
HIDE_INPUT_TAG = "hide-input"


def check_slide_metadata(nb, name: str) -> None:
    """Raise ``ValueError`` unless the notebook opens with a title slide and every cell says
    where it goes."""
    missing = [i for i, cell in enumerate(nb.cells)
               if "slide_type" not in cell.metadata.get("slideshow", {})]
    if missing:
        raise ValueError(f"{name}: cells {missing} have no metadata.slideshow.slide_type")
    first = nb.cells[0]
    if first.cell_type != "markdown" or first.metadata.slideshow.slide_type != "slide":
        raise ValueError(f"{name}: the first cell must be the title, a markdown 'slide'")


def exporter() -> SlidesExporter:
    """The deck writer: code cells tagged ``hide-input`` lose their input; long slides scroll."""
    out = SlidesExporter(reveal_scroll=True, reveal_transition="none", reveal_number="c/t")
    out.register_preprocessor(
        TagRemovePreprocessor(remove_input_tags={HIDE_INPUT_TAG}), enabled=True)
    return out


def make_deck(path: Path, out_dir: Path = OUT) -> Path:
    """Write the deck of one notebook; returns its path."""
    nb = nbformat.read(path, as_version=4)
    check_slide_metadata(nb, path.name)
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.slides.html"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(target)
    return target


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        target = make_deck(path)
        print(f"{path.name}: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
