"""Driving JupyterLab in the browser for the real-browser tests (used by every tests/ui test).

JupyterLab commands are run by name through ``window.jupyterapp`` (the server is started with
``--LabApp.expose_app_in_browser=True``); everything the tests check is read from the page.
A test opens a notebook (:func:`open_notebook`), runs all of it (:func:`run_all_cells`), checks
that nothing failed (:func:`assert_no_cell_errors`), then drives one of its widgets.
"""

from __future__ import annotations

import math
import re

import pytest

RUN_ALL_TIMEOUT_MS = 240_000  # notebooks take well under a minute; a cold cache, a busy CPU
UPDATE_TIMEOUT_MS = 60_000  # a widget change reaching the kernel and its redraw coming back

# Helpers installed in the page before JupyterLab loads (``window.ganlabTest``).
PAGE_HELPERS = """
window.ganlabTest = {
  panel(path) {
    const app = window.jupyterapp;
    if (!app || !app.shell) return null;
    for (const w of app.shell.widgets('main')) {
      if (w.context && w.context.path === path && w.sessionContext && w.content) return w;
    }
    return null;
  },
  kernelStatus(path) {
    const panel = this.panel(path);
    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return kernel ? kernel.status : null;
  },
  busyPrompts(path) {
    const panel = this.panel(path);
    return Array.from(panel.node.querySelectorAll('.jp-InputArea-prompt'))
      .filter((p) => p.textContent.includes('*')).length;
  },
  finished(path) {
    return window.ganlabRunAll !== 'running' && this.kernelStatus(path) === 'idle'
      && this.busyPrompts(path) === 0;
  },
  // Per code cell: its index, execution count and any error it printed (from the model, so
  // nothing depends on what is rendered).
  codeCells(path) {
    const panel = this.panel(path);
    const cells = [];
    panel.content.widgets.forEach((cell, index) => {
      if (cell.model.type !== 'code') return;
      const errors = [];
      const outputs = cell.model.outputs;
      for (let i = 0; i < outputs.length; i++) {
        const out = outputs.get(i).toJSON();
        if (out.output_type === 'error') errors.push(`${out.ename}: ${out.evalue}`);
        const text = [].concat(out.text || []).join('');
        if (out.output_type === 'stream' && text.includes('Traceback')) errors.push(text);
      }
      cells.push({index, count: cell.model.executionCount, errors});
    });
    return cells;
  },
  // The explorer's readout table as {row label: value text}.
  readout(root) {
    const rows = {};
    for (const tr of root.querySelectorAll('tr')) {
      const tds = tr.querySelectorAll('td');
      if (tds.length === 2) rows[tds[0].textContent.trim()] = tds[1].textContent.trim();
    }
    return rows;
  },
  // SHA-256 of the image's bytes, and whether they start with the PNG signature.
  async imageDigest(img) {
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    return {
      sha256: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join(''),
      png: signature.every((b, i) => bytes[i] === b),
      size: bytes.length,
    };
  },
};
"""


def number(text: str) -> float:
    """A readout value as a float: '0.1234', '−0.5' (Unicode minus) or '∞'."""
    text = text.replace("−", "-")
    if text in {"∞", "-∞"}:
        return math.copysign(math.inf, -1.0 if text.startswith("-") else 1.0)
    return float(text)


def open_notebook(page, url: str, notebook: str) -> None:
    """Open ``notebook`` in JupyterLab and wait until its kernel is idle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.add_init_script(PAGE_HELPERS)
    page.goto(f"{url}/lab/tree/{notebook}")
    try:
        page.wait_for_function(
            "path => window.ganlabTest.panel(path) !== null", arg=notebook, timeout=60_000
        )
    except PlaywrightTimeout:
        why = (
            ""
            if page.evaluate("() => Boolean(window.jupyterapp)")
            else (
                ": window.jupyterapp is missing (start the server with "
                "--LabApp.expose_app_in_browser=True)"
            )
        )
        pytest.fail(f"{notebook} did not open in JupyterLab within 60 s{why}", pytrace=False)
    # The document and its kernel session are set up ...
    page.evaluate(
        """async (path) => {
            const panel = window.ganlabTest.panel(path);
            await panel.context.ready;
            await panel.sessionContext.ready;
        }""",
        notebook,
    )
    # ... and the kernel has started and is waiting for work.
    page.wait_for_function(
        "path => window.ganlabTest.kernelStatus(path) === 'idle'", arg=notebook, timeout=60_000
    )


def run_all_cells(page, notebook: str) -> None:
    """Clear the stored outputs (and execution counts), then run every cell and wait."""
    page.evaluate(
        """async (path) => {
            const app = window.jupyterapp;
            app.shell.activateById(window.ganlabTest.panel(path).id);
            await app.commands.execute('notebook:clear-all-cell-outputs');
            window.ganlabRunAll = 'running';
            app.commands.execute('notebook:run-all-cells').then(
                (ok) => { window.ganlabRunAll = ok ? 'ok' : 'stopped'; },
                (err) => { window.ganlabRunAll = 'failed: ' + err; });
        }""",
        notebook,
    )
    page.wait_for_function(
        "path => window.ganlabTest.finished(path)",
        arg=notebook,
        timeout=RUN_ALL_TIMEOUT_MS,
        polling=250,
    )


def assert_no_cell_errors(page, notebook: str) -> None:
    """Every code cell ran, none printed an error, and run-all finished."""
    cells = page.evaluate("path => window.ganlabTest.codeCells(path)", notebook)
    assert cells, "the notebook shows no code cells"
    errors = {c["index"]: c["errors"] for c in cells if c["errors"]}
    assert not errors, f"cells raised (cell index: errors): {errors}"
    not_run = [c["index"] for c in cells if c["count"] is None]
    status = page.evaluate("window.ganlabRunAll")
    assert not not_run, f"run all ended ({status}) with cells not run: {not_run}"
    assert status == "ok", f"run all ended with {status!r}"
    # What the page renders: no error output, no traceback anywhere.
    notebook = page.locator(".jp-NotebookPanel")
    assert notebook.locator('[data-mime-type="application/vnd.jupyter.error"]').count() == 0
    outputs = page.locator(".jp-OutputArea-output").all_text_contents()
    bad = [t for t in outputs if "Traceback" in t or "Error displaying widget" in t]
    assert not bad, f"outputs with errors: {[t[:500] for t in bad]}"


def slider(page, scope, label: str):
    """The ipywidgets slider in ``scope`` whose label is exactly ``label``."""
    name = page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(label)}$"))
    return scope.locator(".widget-slider").filter(has=name)


def drag_handle(page, handle, track, fraction: float) -> None:
    """Drag a noUiSlider handle with the mouse by ``fraction`` of its track's width."""
    handle.scroll_into_view_if_needed()
    box, track_box = handle.bounding_box(), track.bounding_box()
    assert box and track_box, "the slider is not visible"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + fraction * track_box["width"], y, steps=10)
    page.mouse.up()




def wait_idle(page, notebook: str) -> None:
    """Wait until the notebook's kernel has nothing left to do."""
    page.wait_for_function(
        "path => window.ganlabTest.kernelStatus(path) === 'idle'",
        arg=notebook,
        timeout=UPDATE_TIMEOUT_MS,
    )


def image_digest(image) -> dict:
    """``{"sha256", "png", "size"}`` of an ``<img>`` locator's current bytes."""
    return image.evaluate("img => window.ganlabTest.imageDigest(img)")


def readout(locator) -> dict:
    """A widget's readout table as ``{row label: value text}``."""
    return locator.evaluate("el => window.ganlabTest.readout(el)")


def wait_image_changed(page, image, old_src: str) -> None:
    """Wait until ``image`` shows bytes other than ``old_src`` and has loaded them."""
    page.wait_for_function(
        "([img, old]) => img.src !== old && img.complete && img.naturalWidth > 0",
        arg=[image.element_handle(), old_src],
        timeout=UPDATE_TIMEOUT_MS,
    )


def widget_output(page, builds: str):
    """The output area of the one code cell whose source contains ``builds`` and shows an image
    widget."""
    cell = page.locator(".jp-CodeCell").filter(has_text=builds)
    assert cell.count() == 1, f"expected exactly one cell containing {builds!r}, found {cell.count()}"
    out = cell.locator(".jp-OutputArea-output").filter(has=page.locator("img.widget-image"))
    out.scroll_into_view_if_needed()
    return out


def wait_density_readout(page, table, x: float, mean: float, std: float) -> None:
    """Wait until the D* explorer's readout ``table`` shows p_G(x) for N(mean, std) at the probe
    x (to its 3 significant digits): the kernel has redrawn for those slider values."""
    page.wait_for_function(
        """([el, x, mean, std]) => {
            const text = window.ganlabTest.readout(el)['pG(x)'];
            if (text === undefined) return false;
            const shown = parseFloat(text.replace('\u2212', '-'));
            const want = Math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * Math.sqrt(2 * Math.PI));
            return Math.abs(shown - want) <= 0.006 * want + 1e-12;
        }""",
        arg=[table.element_handle(), x, mean, std],
        timeout=UPDATE_TIMEOUT_MS,
    )
