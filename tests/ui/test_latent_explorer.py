"""Real-browser test of the latent explorer (notebook 02): JupyterLab in headless chromium.

Runs every cell of notebook 02, drags the z₁ slider with the mouse and checks that the kernel
answered: the decoded images (PNG) changed and the readout shows the slider's new code; no cell
raised and the page threw no JavaScript error.
"""

from __future__ import annotations

import re

import pytest
from labpage import (
    UPDATE_TIMEOUT_MS,
    assert_no_cell_errors,
    drag_handle,
    image_digest,
    open_notebook,
    readout,
    run_all_cells,
    slider,
    wait_idle,
    wait_image_changed,
    widget_output,
)

pytestmark = pytest.mark.ui

NOTEBOOK = "02_variational_autoencoders.ipynb"
CODE = re.compile(r"^\(([-−\d.]+), ([-−\d.]+)\)$")


def _code(rows: dict) -> tuple[float, float]:
    match = CODE.match(rows.get("z", ""))
    assert match, f"the readout shows no code z; it shows {rows}"
    return tuple(float(v.replace("−", "-")) for v in match.groups())


def test_latent_explorer_responds_to_a_dragged_slider(lab_server, page):
    open_notebook(page, lab_server["url"], NOTEBOOK)
    run_all_cells(page, NOTEBOOK)
    assert_no_cell_errors(page, NOTEBOOK)

    explorer = widget_output(page, "LatentExplorer(")
    image = explorer.locator("img.widget-image")
    table = explorer.locator(".widget-html-content").filter(has_text="nearest training code")
    image.wait_for(state="visible")
    table.wait_for(state="visible")
    z1 = slider(page, explorer, "z1")
    assert z1.count() == 1, f"expected one z1 slider, found {z1.count()}"
    handle = z1.locator(".noUi-handle")

    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    before_src = image.get_attribute("src")
    before_png = image_digest(image)
    before = readout(table)
    assert before_png["png"], "the explorer's image is not a PNG"
    start = float(handle.get_attribute("aria-valuenow"))

    drag_handle(page, handle, z1.locator(".noUi-target"), fraction=0.3)

    value = float(handle.get_attribute("aria-valuenow"))
    assert value > start + 0.2, f"dragging moved z1 from {start} to {value} only"
    # The kernel decoded the new code: the readout's z₁ is the slider's value.
    page.wait_for_function(
        """([el, want]) => {
            const text = window.ganlabTest.readout(el)['z'];
            if (text === undefined) return false;
            const z1 = parseFloat(text.slice(1).replace('\\u2212', '-'));
            return Math.abs(z1 - want) < 0.006;
        }""",
        arg=[table.element_handle(), value],
        timeout=UPDATE_TIMEOUT_MS,
    )
    wait_image_changed(page, image, before_src)
    wait_idle(page, NOTEBOOK)

    after_png = image_digest(image)
    after = readout(table)
    assert after_png["png"] and after_png["sha256"] != before_png["sha256"], "the figure did not change"
    assert _code(after)[0] != _code(before)[0]
    assert after != before, f"readout unchanged: {after}"
    assert_no_cell_errors(page, NOTEBOOK)
    assert page.errors == [], f"JavaScript errors in the page: {page.errors}"
