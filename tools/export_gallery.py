"""Export the README's gallery from the committed notebooks' stored figures.

    python tools/export_gallery.py          (make gallery)

A code cell joins the gallery when its metadata holds ``"ganlab": {"gallery": "caption"}``;
its first PNG output is written to ``docs/gallery/<notebook>-<n>.png`` (n counts the notebook's
gallery cells from 1), and the README's text between ``<!-- gallery -->`` and
``<!-- /gallery -->`` is rewritten as a table of those images with their captions. Nothing is
executed: refresh the notebooks' outputs first with ``make notebooks``.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"
README = ROOT / "README.md"
START, END = "<!-- gallery -->", "<!-- /gallery -->"
COLUMNS = 2


def gallery_cells(path: Path) -> list[tuple[str, bytes]]:
    """``[(caption, png bytes)]`` of a notebook's gallery cells, in order."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        caption = cell.metadata.get("ganlab", {}).get("gallery")
        if caption is None:
            continue
        pngs = [o.data["image/png"] for o in cell.get("outputs", [])
                if "image/png" in o.get("data", {})]
        if not pngs:
            raise ValueError(f"{path.name} cell {i} is in the gallery but has no stored figure; "
                             "run `make notebooks` first")
        found.append((caption, base64.b64decode(pngs[0])))
    return found


def collect(notebooks: list[Path]) -> list[tuple[str, str, bytes]]:
    """``[(file name, caption, png bytes)]`` for every gallery cell of ``notebooks``."""
    items = []
    for path in notebooks:
        for n, (caption, png) in enumerate(gallery_cells(path), start=1):
            items.append((f"{path.stem}-{n}.png", f"{caption} ({path.name[:2]})", png))
    return items


def table(items) -> str:
    """The README's gallery: a markdown table of images, ``COLUMNS`` per row."""
    rows = ["| " + " | ".join([" "] * COLUMNS) + " |", "|" + " --- |" * COLUMNS]
    for start in range(0, len(items), COLUMNS):
        group = items[start:start + COLUMNS]
        cells = [f"![{caption}](docs/gallery/{name})<br>{caption}" for name, caption, _ in group]
        rows.append("| " + " | ".join(cells + [" "] * (COLUMNS - len(group))) + " |")
    return "\n".join(rows)


def readme_with(text: str, items) -> str:
    if START not in text or END not in text:
        raise ValueError(f"README.md needs the markers {START} and {END} around the gallery")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table(items)}\n{END}{tail}"


def main() -> int:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    items = collect(notebooks)
    GALLERY.mkdir(parents=True, exist_ok=True)
    for old in GALLERY.glob("*.png"):
        if old.name not in {name for name, _, _ in items}:
            old.unlink()
    for name, _, png in items:
        (GALLERY / name).write_bytes(png)
    README.write_text(readme_with(README.read_text(encoding="utf-8"), items), encoding="utf-8")
    print(f"{len(items)} figures in docs/gallery; README gallery updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
