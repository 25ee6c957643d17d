"""Real-browser test of live slides inside JupyterLab (jupyterlab-rise): the D* explorer on a slide.

Runs every cell of notebook 04, as a lecturer does before presenting; renders it as a RISE
slideshow from the title slide (View → Render as Reveal Slideshow, which saves the notebook and
builds the slides on the notebook's kernel); steps forward with the space bar until the D* explorer's slide is up; drags
the explorer's P_G mean slider there and checks that the kernel answered on the slide: p_G(x) in
the readout is the density at the slider's new mean, the JSD changed and the figure (PNG) was
redrawn. No cell raised and neither page threw a JavaScript error.
"""

from __future__ import annotations

import re

import pytest
from labpage import (
    assert_no_cell_errors,
    drag_handle,
    image_digest,
    open_notebook,
    readout,
    run_all_cells,
    slider,
    wait_density_readout,
    wait_image_changed,
)

pytestmark = pytest.mark.ui

NOTEBOOK = "04_kl_to_jsd.ipynb"
MAX_STEPS = 40  # space presses from the title to the explorer (about 10 in the notebook now)


def _rise_frame(page, attempts: int = 600):
    """The RISE slideshow's frame, once its slides are built.

    The iframe's ``src`` points at ``/rise/`` before the frame has navigated there, so this
    waits for the frame itself (up to ``attempts`` × 0.1 s), not only for the element."""
    for _ in range(attempts):
        frame = next((f for f in page.frames if "/rise/" in f.url), None)
        if frame is not None:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("RISE's slideshow frame did not open")
    frame.wait_for_selector(".reveal .slides section.present", state="attached", timeout=60_000)
    return frame


def _explorer_on_slide(frame):
    """The explorer's output on the slide shown now (a locator that may match nothing)."""
    # The innermost present section: a subslide, or a slide that has none.
    return frame.locator(
        ".reveal .slides section.present:not(:has(section)) .jp-OutputArea-output").filter(
        has=frame.locator("img.widget-image")).filter(
        has=frame.locator(".widget-html-content", has_text="JSD"))


def test_rise_slideshow_shows_a_live_explorer(lab_server, page):
    open_notebook(page, lab_server["url"], NOTEBOOK)
    run_all_cells(page, NOTEBOOK)
    assert_no_cell_errors(page, NOTEBOOK)

    # Render it as slides, from the title (RISE saves the notebook and reads it from disk).
    page.evaluate(
        """async (path) => {
            const app = window.jupyterapp;
            const panel = window.ganlabTest.panel(path);
            app.shell.activateById(panel.id);
            panel.content.activeCellIndex = 0;
            await app.commands.execute('RISE:preview');
        }""",
        NOTEBOOK,
    )
    frame = _rise_frame(page)
    frame.wait_for_function("() => /^#\\/(slide-0)?(-0)?$|^$/.test(location.hash)")
    title = frame.locator(".reveal .slides section.present").first.inner_text()
    assert "04" in title and "KL" in title, f"the slideshow did not open on the title: {title[:200]}"

    # Step forward with the space bar, as a presenter's clicker does, until the explorer is up.
    explorer = _explorer_on_slide(frame)
    frame.locator(".reveal").click(position={"x": 5, "y": 5})
    for step in range(MAX_STEPS):
        if explorer.count() == 1:
            break
        frame.locator("body").press("Space")
        page.wait_for_timeout(200)
    else:
        pytest.fail(f"the explorer's slide did not come up in {MAX_STEPS} steps "
                    f"(at {frame.evaluate('() => location.hash')})")
    assert step >= 3, f"the explorer came up after {step} steps: the slideshow skipped ahead"

    image = explorer.locator("img.widget-image")
    table = explorer.locator(".widget-html-content").filter(has_text="JSD")
    image.wait_for(state="visible")
    g_column = explorer.locator(".widget-hbox > .widget-vbox").filter(
        has=frame.locator(".widget-html-content", has_text=re.compile(r"^\s*PG\s*$")))
    g_mean, g_std = slider(frame, g_column, "mean"), slider(frame, g_column, "std")
    probe = slider(frame, explorer, "probe x")
    handle = g_mean.locator(".noUi-handle")
    assert handle.count() == 1 and g_std.count() == 1 and probe.count() == 1

    frame.wait_for_function("img => img.complete && img.naturalWidth > 0",
                            arg=image.element_handle())
    before_src = image.get_attribute("src")
    before_png = image_digest(image)
    before = readout(table)
    start_mean = float(handle.get_attribute("aria-valuenow"))

    drag_handle(page, handle, g_mean.locator(".noUi-target"), fraction=0.25)

    mean = float(handle.get_attribute("aria-valuenow"))
    assert mean > start_mean + 0.5, f"dragging moved the P_G mean from {start_mean} to {mean} only"
    std = float(g_std.locator(".noUi-handle").get_attribute("aria-valuenow"))
    x = float(probe.locator(".noUi-handle").get_attribute("aria-valuenow"))
    wait_density_readout(frame, table, x, mean, std)
    wait_image_changed(frame, image, before_src)

    after = readout(table)
    assert image_digest(image)["sha256"] != before_png["sha256"], "the figure did not change"
    assert after["JSD(Pdata ‖ PG)"] != before["JSD(Pdata ‖ PG)"], (before, after)
    assert explorer.count() == 1, "the slide changed while the slider was dragged"
    assert_no_cell_errors(page, NOTEBOOK)
    assert page.errors == [], f"JavaScript errors in the page: {page.errors}"
