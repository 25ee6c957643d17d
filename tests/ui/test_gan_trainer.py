"""Real-browser test of the live GAN trainer (notebook 05): JupyterLab in headless chromium.

Runs every cell of notebook 05, presses the trainer's play button and checks that training runs
in the kernel while the page stays live: the step count in the readout grows, the figure (PNG)
changes, and the losses change; then pause stops it. Then it drags the mouse over the data
sketch's plane (an ipympl canvas) and checks that the stroke reached the kernel: the point count
grows. No cell raised and the page threw no JavaScript error.
"""

from __future__ import annotations

import pytest
from labpage import (
    UPDATE_TIMEOUT_MS,
    assert_no_cell_errors,
    image_digest,
    open_notebook,
    readout,
    run_all_cells,
    wait_idle,
    wait_image_changed,
    widget_output,
)

pytestmark = pytest.mark.ui

NOTEBOOK = "05_gan_training_dynamics.ipynb"


def _step(rows: dict) -> int:
    assert "step" in rows, f"the readout shows no step; it shows {rows}"
    return int(rows["step"].replace(",", ""))


def test_gan_trainer_plays_and_pauses(lab_server, page):
    open_notebook(page, lab_server["url"], NOTEBOOK)
    run_all_cells(page, NOTEBOOK)
    assert_no_cell_errors(page, NOTEBOOK)

    trainer = widget_output(page, "trainer = GANTrainer(")
    image = trainer.locator("img.widget-image")
    table = trainer.locator(".widget-html-content").filter(has_text="D loss")
    image.wait_for(state="visible")
    table.wait_for(state="visible")
    play = trainer.locator("button", has_text="play")
    pause = trainer.locator("button", has_text="pause")
    assert play.count() == 1 and pause.count() == 1, "expected one play and one pause button"

    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    before_src = image.get_attribute("src")
    before_png = image_digest(image)
    before = readout(table)
    start = _step(before)

    play.click()
    # Training runs in the kernel and the page is redrawn while it plays.
    page.wait_for_function(
        """([el, start]) => {
            const text = window.ganlabTest.readout(el)['step'];
            return text !== undefined && parseInt(text.replace(/,/g, ''), 10) >= start + 500;
        }""",
        arg=[table.element_handle(), start],
        timeout=UPDATE_TIMEOUT_MS,
    )
    wait_image_changed(page, image, before_src)
    pause.click()
    wait_idle(page, NOTEBOOK)
    page.wait_for_timeout(1500)  # a frame still in flight lands before the pause takes hold
    paused = _step(readout(table))
    page.wait_for_timeout(1500)
    assert _step(readout(table)) == paused, "training went on after pause"

    after_png = image_digest(image)
    after = readout(table)
    assert after_png["png"] and after_png["sha256"] != before_png["sha256"], "the figure did not change"
    assert paused > start
    assert after["D loss"] != before["D loss"] or after["G loss"] != before["G loss"], after

    # The data sketch: a drag across its plane adds a stroke of points in the kernel.
    cell = page.locator(".jp-CodeCell").filter(has_text="sketch = gl.widgets.DataSketch()")
    assert cell.count() == 1, "expected one cell building the data sketch"
    count = cell.locator(".widget-html-content").filter(has_text="points")
    count.scroll_into_view_if_needed()
    count.wait_for(state="visible")
    points = int(count.inner_text().split()[0])
    canvas = cell.locator("canvas").last  # ipympl's top canvas takes the mouse events
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()
    x0, y0 = box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"]
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x0 + 0.04 * i * box["width"], y0 + 0.02 * i * box["height"])
    page.mouse.up()
    page.wait_for_function(
        "([el, n]) => parseInt(el.innerText, 10) > n + 3",
        arg=[count.element_handle(), points],
        timeout=UPDATE_TIMEOUT_MS,
    )
    assert_no_cell_errors(page, NOTEBOOK)
    assert page.errors == [], f"JavaScript errors in the page: {page.errors}"
