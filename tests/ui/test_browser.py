"""Real-browser test of the D* explorer: JupyterLab in headless chromium, as a lecturer uses it.

Opens notebook 04 in JupyterLab, clears its stored outputs, runs every cell, then drags the
P_G mean slider of the D* explorer with the mouse and checks that the kernel answered: the
readout's numbers and the figure (PNG) changed and agree with the slider's new position; no
cell raised and the page threw no JavaScript error.

JupyterLab commands are run by name through ``window.jupyterapp`` (the server is started with
``--LabApp.expose_app_in_browser=True``); everything the test checks is read from the page.
"""

from __future__ import annotations

import math
import re

import pytest

pytestmark = pytest.mark.ui

NOTEBOOK = "04_kl_to_jsd.ipynb"
RUN_ALL_TIMEOUT_MS = 240_000  # the notebook takes well under a minute; a cold cache, a busy CPU
UPDATE_TIMEOUT_MS = 30_000  # a slider change reaching the kernel and its redraw coming back
LOG2 = math.log(2.0)

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


def _number(text: str) -> float:
    """A readout value as a float: '0.1234', '−0.5' (Unicode minus) or '∞'."""
    text = text.replace("−", "-")
    if text in {"∞", "-∞"}:
        return math.copysign(math.inf, -1.0 if text.startswith("-") else 1.0)
    return float(text)


def _divergences(rows: dict) -> dict:
    """The readout's divergences, by the names of ``DStarExplorer.values``."""
    wanted = {
        "jsd": "JSD(Pdata ‖ PG)",
        "kl_data_g": "KL(Pdata ‖ PG)",
        "kl_g_data": "KL(PG ‖ Pdata)",
        "v_star": "V(G, D*)",
        "identity": "−2 log 2 + 2 JSD",
    }
    missing = [label for label in wanted.values() if label not in rows]
    assert not missing, f"readout rows {missing} not found; the readout shows {rows}"
    return {name: _number(rows[label]) for name, label in wanted.items()}


def _open_notebook(page, url: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{url}/lab/tree/{NOTEBOOK}")
    try:
        page.wait_for_function(
            "path => window.ganlabTest.panel(path) !== null", arg=NOTEBOOK, timeout=60_000
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
        pytest.fail(f"{NOTEBOOK} did not open in JupyterLab within 60 s{why}", pytrace=False)
    # The document and its kernel session are set up ...
    page.evaluate(
        """async (path) => {
            const panel = window.ganlabTest.panel(path);
            await panel.context.ready;
            await panel.sessionContext.ready;
        }""",
        NOTEBOOK,
    )
    # ... and the kernel has started and is waiting for work.
    page.wait_for_function(
        "path => window.ganlabTest.kernelStatus(path) === 'idle'", arg=NOTEBOOK, timeout=60_000
    )


def _run_all_cells(page) -> None:
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
        NOTEBOOK,
    )
    page.wait_for_function(
        "path => window.ganlabTest.finished(path)",
        arg=NOTEBOOK,
        timeout=RUN_ALL_TIMEOUT_MS,
        polling=250,
    )


def _assert_no_cell_errors(page) -> None:
    cells = page.evaluate("path => window.ganlabTest.codeCells(path)", NOTEBOOK)
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


def _slider(page, scope, label: str):
    """The ipywidgets slider in ``scope`` whose label is exactly ``label``."""
    name = page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(label)}$"))
    return scope.locator(".widget-slider").filter(has=name)


def _drag_handle(page, handle, track, fraction: float) -> None:
    """Drag a noUiSlider handle with the mouse by ``fraction`` of its track's width."""
    handle.scroll_into_view_if_needed()
    box, track_box = handle.bounding_box(), track.bounding_box()
    assert box and track_box, "the slider is not visible"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + fraction * track_box["width"], y, steps=10)
    page.mouse.up()


def test_dstar_explorer_responds_to_a_dragged_slider(lab_server, page):
    page.add_init_script(PAGE_HELPERS)
    _open_notebook(page, lab_server["url"])
    _run_all_cells(page)
    _assert_no_cell_errors(page)

    # The explorer: the output of the one code cell that builds it.
    cell = page.locator(".jp-CodeCell").filter(has_text="DStarExplorer()")
    assert cell.count() == 1, "expected exactly one cell that builds DStarExplorer()"
    explorer = cell.locator(".jp-OutputArea-output").filter(has=page.locator("img.widget-image"))
    explorer.scroll_into_view_if_needed()
    image = explorer.locator("img.widget-image")
    readout = explorer.locator(".widget-html-content").filter(has_text="JSD")
    image.wait_for(state="visible")
    readout.wait_for(state="visible")

    # P_G's column (its title reads "PG") with its "mean" and "std" sliders; the probe slider.
    g_column = explorer.locator(".widget-hbox > .widget-vbox").filter(
        has=page.locator(".widget-html-content", has_text=re.compile(r"^\s*PG\s*$"))
    )
    g_mean, g_std = _slider(page, g_column, "mean"), _slider(page, g_column, "std")
    probe = _slider(page, explorer, "probe x")
    handle = g_mean.locator(".noUi-handle")
    for name, loc in (("P_G mean", handle), ("P_G std", g_std), ("probe", probe)):
        assert loc.count() == 1, f"expected one {name} slider, found {loc.count()}"

    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    before_src = image.get_attribute("src")
    before_png = image.evaluate("img => window.ganlabTest.imageDigest(img)")
    before_rows = readout.evaluate("el => window.ganlabTest.readout(el)")
    before = _divergences(before_rows)
    assert before_png["png"], "the explorer's image is not a PNG"
    start_mean = float(handle.get_attribute("aria-valuenow"))

    _drag_handle(page, handle, g_mean.locator(".noUi-target"), fraction=0.25)

    mean = float(handle.get_attribute("aria-valuenow"))
    assert mean > start_mean + 0.5, f"dragging moved the P_G mean from {start_mean} to {mean} only"
    shown = g_mean.locator(".widget-readout").inner_text()
    assert abs(_number(shown) - mean) < 0.005, f"slider at {mean}, its readout shows {shown}"
    std = float(g_std.locator(".noUi-handle").get_attribute("aria-valuenow"))
    x = float(probe.locator(".noUi-handle").get_attribute("aria-valuenow"))

    # The kernel has redrawn for the final position: p_G(x) in the readout is the density of
    # N(mean, std) at the probe x (the readout gives 3 significant digits).
    page.wait_for_function(
        """([el, x, mean, std]) => {
            const text = window.ganlabTest.readout(el)['pG(x)'];
            if (text === undefined) return false;
            const shown = parseFloat(text.replace('\u2212', '-'));
            const want = Math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * Math.sqrt(2 * Math.PI));
            return Math.abs(shown - want) <= 0.006 * want + 1e-12;
        }""",
        arg=[readout.element_handle(), x, mean, std],
        timeout=UPDATE_TIMEOUT_MS,
    )
    page.wait_for_function(
        "([img, old]) => img.src !== old && img.complete && img.naturalWidth > 0",
        arg=[image.element_handle(), before_src],
        timeout=UPDATE_TIMEOUT_MS,
    )
    page.wait_for_function(
        "path => window.ganlabTest.kernelStatus(path) === 'idle'",
        arg=NOTEBOOK,
        timeout=UPDATE_TIMEOUT_MS,
    )

    after_png = image.evaluate("img => window.ganlabTest.imageDigest(img)")
    after = _divergences(readout.evaluate("el => window.ganlabTest.readout(el)"))
    assert after_png["png"], "after the drag, the explorer's image is not a PNG"
    assert after_png["sha256"] != before_png["sha256"], "the figure did not change"
    changed = [name for name in before if after[name] != before[name]]
    assert set(changed) >= {"jsd", "kl_data_g", "kl_g_data", "v_star"}, (
        f"readout before {before}, after {after}"
    )
    assert 0.0 <= after["jsd"] <= LOG2 + 1e-4
    assert abs(after["v_star"] - after["identity"]) <= 2e-4, after  # V(G, D*) = -2 log 2 + 2 JSD

    _assert_no_cell_errors(page)
    assert page.errors == [], f"JavaScript errors in the page: {page.errors}"
