"""Write one Reveal.js slide deck per notebook from the slide metadata stored in the notebooks.

    python tools/make_slides.py [notebooks/04_kl_to_jsd.ipynb ...]   (default: all of them)

Decks go to ``build/slides/<notebook>.slides.html`` and use the notebooks' stored outputs (run
``make notebooks`` first to refresh them). Each cell's ``metadata.slideshow.slide_type`` decides
where it goes: ``slide`` starts a new slide (the title and every "## " section), ``subslide`` a
step down in the same section, ``fragment`` appears on the next click, ``-`` continues the
current slide, ``skip`` leaves the cell out (imports, parameters). Code cells tagged
``hide-input`` show only their output (plotting boilerplate). Open a deck in a browser and
press ``?`` for Reveal.js's keys (``s``: speaker view, ``f``: full screen).

The decks work offline: everything they load lies beside them in ``build/slides/lib/`` —
Reveal.js (with its speaker-view plugin), MathJax 3 for the formulas and the Jupyter widget
manager that draws the widgets' stored state. Those files come from the packages pinned in
:data:`PACKAGES`, fetched once with Node.js's ``npm pack`` into ``build/vendor/`` (never
committed) and checked against their pinned SHA-512; later builds reuse them without a network.
Copy ``build/slides/`` whole (the decks and ``lib/``) to present from another machine.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "slides"
VENDOR = ROOT / "build" / "vendor"
HIDE_INPUT_TAG = "hide-input"
THEME = "simple"
LIB = "lib"  # the decks' folder of scripts and styles, beside them

# npm package -> (version, SHA-512 of its tarball as npm's "integrity", files the decks need:
# {path in the package: path under lib/}; a path ending in "/" copies that folder).
PACKAGES = {
    "reveal.js": (
        "5.2.1",
        "sha512-r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRhJaFgfQ7zNQ==",
        {"dist/reveal.js": "reveal.js/dist/reveal.js",
         "dist/reveal.css": "reveal.js/dist/reveal.css",
         f"dist/theme/{THEME}.css": f"reveal.js/dist/theme/{THEME}.css",
         "plugin/notes/notes.js": "reveal.js/plugin/notes/notes.js",
         "LICENSE": "reveal.js/LICENSE"},
    ),
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        {"es5/tex-svg-full.js": "mathjax/tex-svg-full.js", "LICENSE": "mathjax/LICENSE"},
    ),
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        {"dist/": "widgets/"},
    ),
}
SKIPPED_SUFFIXES = (".map", "-amd.js", ".LICENSE.txt")  # in copied folders: not needed

# The stock Reveal.js template of nbconvert loads jQuery, RequireJS, Mermaid, MathJax 2, the
# widget manager and Reveal.js from public CDNs. This one keeps its slides and styles and loads
# everything from lib/ instead, with plain scripts.
TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- set lib = resources.ganlab_lib -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}
{%- if "widgets" in nb.metadata %}
<script src="{{ lib }}/widgets/embed.js"></script>
{%- endif -%}
{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}
<script>
// The widget manager typesets its labels through MathJax 2's MathJax.Hub.Queue: answer it.
const ganlabHub = {
  Queue(job) {
    const node = Array.isArray(job) ? job[2] : undefined;
    if (window.MathJax && MathJax.typesetPromise) {
      MathJax.typesetPromise(node ? [node] : undefined).catch((err) => console.warn(err));
    }
  },
};
window.MathJax = {
  Hub: ganlabHub,
  startup: {
    ready() {
      MathJax.startup.defaultReady();
      MathJax.Hub = ganlabHub;
    },
  },
  tex: {
    inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
    displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
    processEscapes: true,
    processEnvironments: true,
    tags: 'ams',
  },
  svg: {fontCache: 'global'},
};
</script>
<script src="{{ lib }}/mathjax/tex-svg-full.js"></script>
{%- endblock html_head_js_mathjax -%}
{% block footer_js %}
<script src="{{ lib }}/reveal.js/dist/reveal.js"></script>
<script src="{{ lib }}/reveal.js/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true,
  progress: true,
  history: true,
  transition: {{ resources.reveal.transition | default('slide', true) | json_dumps }},
  slideNumber: {{ resources.reveal.number | default('', true) | json_dumps }},
  width: {{ resources.reveal.width | default('960', true) }},
  height: {{ resources.reveal.height | default('700', true) }},
  plugins: [RevealNotes],
});
// A slide taller than the screen scrolls instead of being cut off.
function scrollLongSlides() {
  if (!{{ resources.reveal.scroll | default(false, true) | json_dumps }}) return;
  const limit = document.querySelector('.reveal').offsetHeight * 0.95;
  for (const section of document.querySelectorAll('section.present section')) {
    if (section.offsetHeight > limit) {
      Object.assign(section.style, {height: '95vh', overflowY: 'scroll', marginTop: '20px'});
    }
  }
}
Reveal.on('ready', scrollLongSlides);
Reveal.on('slidechanged', scrollLongSlides);
</script>
{% endblock footer_js %}
"""


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
    """The deck writer: code cells tagged ``hide-input`` lose their input; long slides scroll;
    scripts and styles come from ``lib/`` beside the deck."""
    out = SlidesExporter(reveal_scroll=True, reveal_transition="none", reveal_number="c/t",
                         reveal_theme=THEME, reveal_url_prefix=f"{LIB}/reveal.js")
    out.raw_template = TEMPLATE
    out.register_preprocessor(
        TagRemovePreprocessor(remove_input_tags={HIDE_INPUT_TAG}), enabled=True)
    return out


def make_deck(path: Path, out_dir: Path = OUT) -> Path:
    """Write the deck of one notebook; returns its path. It loads its scripts from
    ``out_dir/lib`` (see :func:`install_lib`)."""
    nb = nbformat.read(path, as_version=4)
    check_slide_metadata(nb, path.name)
    resources = {"metadata": {"name": path.stem}, "ganlab_lib": LIB}
    body, _ = exporter().from_notebook_node(nb, resources=resources)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.slides.html"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(target)
    return target


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _tarball_name(package: str, version: str) -> str:
    """npm pack's file name: "@scope/name" -> "scope-name-VERSION.tgz"."""
    return f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"


def fetch_packages(vendor: Path = VENDOR) -> dict[str, Path]:
    """The tarballs of :data:`PACKAGES` in ``vendor``, fetched with ``npm pack`` where missing
    or not matching their pinned SHA-512. Raises ``RuntimeError`` when npm is needed but absent
    or fails, ``ValueError`` when a tarball does not match its pin."""
    vendor.mkdir(parents=True, exist_ok=True)
    tarballs = {}
    for package, (version, integrity, _) in PACKAGES.items():
        path = vendor / _tarball_name(package, version)
        if not path.exists() or _integrity(path) != integrity:
            _npm_pack(f"{package}@{version}", vendor)
        if not path.exists():
            raise RuntimeError(f"npm pack {package}@{version} did not write {path}")
        if _integrity(path) != integrity:
            raise ValueError(f"{path} has {_integrity(path)}, expected the pinned {integrity}; "
                             "delete it to fetch it again")
        tarballs[package] = path
    return tarballs


def _npm_pack(spec: str, vendor: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            f"the decks need {spec} and its tarball is not in {vendor}: install Node.js (npm) "
            "once, with a network, to fetch it; after that `make slides` works offline")
    done = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", str(vendor)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"npm pack {spec} failed:\n{done.stderr[-2000:]}")


def install_lib(out_dir: Path = OUT, vendor: Path = VENDOR) -> Path:
    """Copy what the decks load from the pinned packages into ``out_dir/lib``; returns it.

    The theme's web-font imports are dropped (offline, its font stack's fallbacks are used)."""
    lib = out_dir / LIB
    staging = out_dir / f".{LIB}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    for package, tarball in fetch_packages(vendor).items():
        wanted = PACKAGES[package][2]
        with tarfile.open(tarball, "r:gz") as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix("package/")
                target = _target(name, wanted)
                if target is None or not member.isfile():
                    continue
                data = archive.extractfile(member).read()
                dest = staging / target
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
    theme = staging / "reveal.js" / "dist" / "theme" / f"{THEME}.css"
    lines = theme.read_text(encoding="utf-8").splitlines(keepends=True)
    theme.write_text("".join(line for line in lines
                             if not line.startswith("@import url(http")), encoding="utf-8")
    shutil.rmtree(lib, ignore_errors=True)
    staging.replace(lib)
    return lib


def _target(name: str, wanted: dict[str, str]) -> str | None:
    """Where file ``name`` of a package goes under lib/, or None when the decks don't need it."""
    for source, target in wanted.items():
        if source.endswith("/"):
            if name.startswith(source) and not name.endswith(SKIPPED_SUFFIXES):
                return target + name.removeprefix(source)
        elif name == source:
            return target
    return None


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    try:
        lib = install_lib()
    except (RuntimeError, ValueError) as err:
        print(f"make_slides: {err}", file=sys.stderr)
        return 1
    print(f"scripts and styles: {lib.relative_to(ROOT) if lib.is_relative_to(ROOT) else lib}")
    for path in paths:
        target = make_deck(path)
        print(f"{path.name}: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
