"""Real-browser test of the D* explorer (notebook 04): JupyterLab in headless chromium.

Runs every cell of notebook 04, drags the P_G mean slider of the D* explorer with the mouse and
checks that the kernel answered: the readout's numbers and the figure (PNG) changed and agree
with the slider's new position; no cell raised and the page threw no JavaScript error.
"""

from __future__ import annotations

import math
import re

import pytest
from labpage import (
    assert_no_cell_errors,
    drag_handle,
    image_digest,
    number,
    open_notebook,
    readout,
    run_all_cells,
    slider,
    wait_idle,
    wait_density_readout,
    wait_image_changed,
    widget_output,
)

pytestmark = pytest.mark.ui

NOTEBOOK = "04_kl_to_jsd.ipynb"
LOG2 = math.log(2.0)


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
    return {name: number(rows[label]) for name, label in wanted.items()}



def test_dstar_explorer_responds_to_a_dragged_slider(lab_server, page):
    open_notebook(page, lab_server["url"], NOTEBOOK)
    run_all_cells(page, NOTEBOOK)
    assert_no_cell_errors(page, NOTEBOOK)

    explorer = widget_output(page, "DStarExplorer()")
    image = explorer.locator("img.widget-image")
    table = explorer.locator(".widget-html-content").filter(has_text="JSD")
    image.wait_for(state="visible")
    table.wait_for(state="visible")

    # P_G's column (its title reads "PG") with its "mean" and "std" sliders; the probe slider.
    g_column = explorer.locator(".widget-hbox > .widget-vbox").filter(
        has=page.locator(".widget-html-content", has_text=re.compile(r"^\s*PG\s*$"))
    )
    g_mean, g_std = slider(page, g_column, "mean"), slider(page, g_column, "std")
    probe = slider(page, explorer, "probe x")
    handle = g_mean.locator(".noUi-handle")
    for name, loc in (("P_G mean", handle), ("P_G std", g_std), ("probe", probe)):
        assert loc.count() == 1, f"expected one {name} slider, found {loc.count()}"

    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    before_src = image.get_attribute("src")
    before_png = image_digest(image)
    before = _divergences(readout(table))
    assert before_png["png"], "the explorer's image is not a PNG"
    start_mean = float(handle.get_attribute("aria-valuenow"))

    drag_handle(page, handle, g_mean.locator(".noUi-target"), fraction=0.25)

    mean = float(handle.get_attribute("aria-valuenow"))
    assert mean > start_mean + 0.5, f"dragging moved the P_G mean from {start_mean} to {mean} only"
    shown = g_mean.locator(".widget-readout").inner_text()
    assert abs(number(shown) - mean) < 0.005, f"slider at {mean}, its readout shows {shown}"
    std = float(g_std.locator(".noUi-handle").get_attribute("aria-valuenow"))
    x = float(probe.locator(".noUi-handle").get_attribute("aria-valuenow"))

    # The kernel has redrawn for the final position: p_G(x) in the readout is the density of
    # N(mean, std) at the probe x (the readout gives 3 significant digits).
    wait_density_readout(page, table, x, mean, std)
    wait_image_changed(page, image, before_src)
    wait_idle(page, NOTEBOOK)

    after_png = image_digest(image)
    after = _divergences(readout(table))
    assert after_png["png"], "after the drag, the explorer's image is not a PNG"
    assert after_png["sha256"] != before_png["sha256"], "the figure did not change"
    changed = [name for name in before if after[name] != before[name]]
    assert set(changed) >= {"jsd", "kl_data_g", "kl_g_data", "v_star"}, (
        f"readout before {before}, after {after}"
    )
    assert 0.0 <= after["jsd"] <= LOG2 + 1e-4
    assert abs(after["v_star"] - after["identity"]) <= 2e-4, after  # V(G, D*) = -2 log 2 + 2 JSD

    assert_no_cell_errors(page, NOTEBOOK)
    assert page.errors == [], f"JavaScript errors in the page: {page.errors}"
