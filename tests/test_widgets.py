"""DStarExplorer, driven the way a lecturer drives it: by setting its controls' values."""

from __future__ import annotations

import io
import math
import re

import ipywidgets as widgets
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.text import Text
from PIL import Image

from ganlab import distributions as dist
from ganlab.widgets import DStarExplorer
from ganlab.widgets.render import png_bytes

LOG2 = math.log(2.0)
FAMILY_SLIDERS = {
    "normal": ("mean", "std"),
    "mixture": ("mean1", "mean2", "std", "weight"),
    "uniform": ("centre", "width"),
}
# Where test_every_control_changes_what_is_shown moves each slider (fraction of its range).
MOVE_TO = {"mean": 0.8, "std": 0.2, "mean1": 0.2, "mean2": 0.9, "weight": 0.25, "centre": 0.7,
           "width": 0.3}


@pytest.fixture(scope="module")
def shared_explorer():
    e = DStarExplorer()
    yield e
    e.close()


@pytest.fixture
def explorer(shared_explorer):
    """One explorer for the module (building one takes a moment), reset before each test."""
    shared_explorer.reset()
    return shared_explorer


def check_numbers(e: DStarExplorer) -> None:
    """The invariants every setting of the controls must keep."""
    v = e.values
    assert set(v) >= {"jsd", "kl_data_g", "kl_g_data", "v_star", "identity"}
    assert all(isinstance(v[k], float) for k in ("jsd", "kl_data_g", "kl_g_data", "v_star"))
    assert math.isfinite(v["jsd"]) and 0.0 <= v["jsd"] <= LOG2 + 1e-6
    assert math.isfinite(v["v_star"])
    assert v["v_star"] == pytest.approx(v["identity"], abs=1e-5)
    assert v["identity"] == pytest.approx(-2 * LOG2 + 2 * v["jsd"], abs=1e-9)
    for key in ("kl_data_g", "kl_g_data"):
        assert v[key] >= 0.0 and not math.isnan(v[key])
    n_inf = sum(math.isinf(v[k]) for k in ("kl_data_g", "kl_g_data"))
    assert e.readout.value.count("∞") == n_inf
    assert 0.0 <= v["dstar_x"] <= 1.0
    dstar = e.dstar
    assert dstar.shape == e.xs.shape and np.all((dstar >= 0) & (dstar <= 1))
    assert e.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.all(np.isfinite(e.artists["f_curve"].get_ydata()))


def png_pixels(e: DStarExplorer) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(bytes(e.image.value))).convert("RGB"))


# ---- what it shows -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (40, 25)])
def test_png_frames_decode_to_the_exact_pixels(shape):
    rgba = np.random.default_rng(0).integers(0, 256, (*shape, 4), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(png_bytes(rgba)))
    assert decoded.mode == "RGBA" and decoded.size == (shape[1], shape[0])
    np.testing.assert_array_equal(np.asarray(decoded), rgba)


def test_default_explorer_shows_figure_numbers_and_controls(explorer):
    check_numbers(explorer)
    assert isinstance(explorer.widget, widgets.VBox)
    assert isinstance(explorer.image, widgets.Image) and isinstance(explorer.readout, widgets.HTML)
    image = png_pixels(explorer)
    width, height = explorer.figure.canvas.get_width_height()
    assert image.shape == (height, width, 3)
    assert image.min() < 50  # something dark was drawn
    for name in ("JSD", "KL(P<sub>data</sub> ‖ P<sub>G</sub>)", "V(G, D*)", "−2 log 2 + 2 JSD"):
        assert name in explorer.readout.value
    expected = {"data_family", "data_mean", "data_std", "data_mean1", "data_mean2", "data_weight",
                "data_centre", "data_width", "g_family", "g_mean", "g_std", "g_mean1",
                "g_mean2", "g_weight", "g_centre", "g_width", "probe"}
    assert set(explorer.controls) == expected
    for name, control in explorer.controls.items():
        assert getattr(explorer, name) is control


def test_the_figure_reads_from_the_back_of_a_lecture_hall(explorer):
    """Every text of 12 pt and more (each f(D) title too), the legend off the curves, thick
    lines, the readout in 16 px (12 pt)."""
    e = explorer
    for probe in (1.5, 0.0):  # the f(D) panel's ordinary title, then the underflow one
        e.set(data_family="normal", data_mean=-4.0, data_std=0.1, g_mean=4.0, g_std=0.1,
              probe=probe)
        small = [(t.get_text(), t.get_fontsize()) for t in e.figure.findobj(Text)
                 if t.get_visible() and t.get_text().strip() and t.get_fontsize() < 12]
        assert small == []
    assert "underflow" in e.axes["f"].get_title()
    legend = e.axes["density"].get_legend()
    assert legend is not None and not legend.get_window_extent().overlaps(e.axes["density"].bbox)
    for name in ("p_data", "p_g", "dstar", "f_curve"):
        assert e.artists[name].get_linewidth() >= 2.5, name
    sizes = [int(px) for px in re.findall(r"font-size:\s*(\d+)px", e.readout.value)]
    assert sizes and min(sizes) >= 16


def test_displays_as_its_widget(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    model_id = bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert model_id == explorer.widget.model_id
    assert "DStarExplorer" in repr(explorer)


@pytest.mark.parametrize(
    "side, family, param",
    [(side, family, param) for side in ("data", "g")
     for family, params in FAMILY_SLIDERS.items() for param in params],
)
def test_every_slider_changes_the_numbers_and_the_figure(explorer, side, family, param):
    e = explorer
    e.set(data_family=family, g_family=family, g_mean=0.5, g_mean1=-1.5, g_centre=0.5, probe=0.3)
    slider = e.controls[f"{side}_{param}"]
    before, image_before = dict(e.values), bytes(e.image.value)
    slider.value = slider.min + MOVE_TO[param] * (slider.max - slider.min)
    for key in ("jsd", "kl_data_g", "kl_g_data", "v_star"):
        if not (math.isinf(before[key]) and math.isinf(e.values[key])):
            assert e.values[key] != before[key], key
    assert bytes(e.image.value) != image_before
    check_numbers(e)


def test_family_switch_changes_distribution_and_visible_sliders(explorer):
    e = explorer
    for side, attr in (("data", "p_data"), ("g", "p_g")):
        for family, cls in (("uniform", dist.Uniform), ("mixture", dist.Mixture),
                            ("normal", dist.Normal)):
            e.controls[f"{side}_family"].value = family
            assert isinstance(getattr(e, attr), cls)
            for param in ("mean", "std", "mean1", "mean2", "weight", "centre", "width"):
                shown = e.controls[f"{side}_{param}"].layout.display != "none"
                assert shown == (param in FAMILY_SLIDERS[family]), (side, family, param)
            check_numbers(e)
    e.data_family.value = "uniform"
    e.data_centre.value, e.data_width.value = 1.0, 2.0
    assert (e.p_data.low, e.p_data.high) == pytest.approx((0.0, 2.0))


def test_probe_moves_markers_and_f_of_d(explorer):
    e = explorer
    e.probe.value = -2.0
    image_before = bytes(e.image.value)
    e.probe.value = 2.0
    assert e.values["probe"] == pytest.approx(2.0)
    assert list(e.artists["probe_line"].get_xdata()) == pytest.approx([2.0, 2.0])
    assert list(e.artists["probe_dstar"].get_xdata()) == pytest.approx([2.0])
    assert bytes(e.image.value) != image_before
    a, b = e.values["p_data_x"], e.values["p_g_x"]
    assert a == pytest.approx(float(e.p_data.prob(2.0)), rel=1e-5)
    assert b == pytest.approx(float(e.p_g.prob(2.0)), rel=1e-5)
    assert e.values["dstar_x"] == pytest.approx(a / (a + b), rel=1e-5)
    # f(D)'s maximum is marked at D*(x) and is the largest value on its curve
    d_best, f_best = e.artists["f_max"].get_xdata()[0], e.artists["f_max"].get_ydata()[0]
    assert d_best == pytest.approx(e.values["dstar_x"])
    assert list(e.artists["f_argmax_line"].get_xdata()) == pytest.approx([d_best, d_best])
    assert np.max(e.artists["f_curve"].get_ydata()) <= f_best + 1e-9
    assert "max at D*(x)" in e.axes["f"].get_title()


# ---- exact cases -------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["normal", "mixture", "uniform"])
def test_identical_distributions_give_zero_jsd_and_half(explorer, family):
    settings = {"data_family": family, "g_family": family}
    for param, value in {"mean": 1.0, "std": 0.7, "mean1": -1.5, "mean2": 2.5, "weight": 0.3,
                         "centre": -1.0, "width": 3.0}.items():
        settings[f"data_{param}"] = settings[f"g_{param}"] = value
    e = explorer
    e.set(probe=0.0, **settings)
    check_numbers(e)
    assert e.values["jsd"] == pytest.approx(0.0, abs=1e-6)
    assert e.values["kl_data_g"] == pytest.approx(0.0, abs=1e-6)
    assert e.values["kl_g_data"] == pytest.approx(0.0, abs=1e-6)
    assert e.values["v_star"] == pytest.approx(-2 * LOG2, abs=1e-5)
    assert np.allclose(e.dstar, 0.5, atol=1e-5)
    assert e.values["dstar_x"] == pytest.approx(0.5)


def test_normal_against_shifted_normal_matches_closed_form_kl(explorer):
    e = explorer
    e.data_family.value = "normal"
    e.data_mean.value, e.data_std.value = 0.0, 1.0
    e.g_mean.value, e.g_std.value = 1.0, 0.5
    # KL(N(0,1) ‖ N(1, 0.5²)) = log(0.5) + (1 + 1) / (2 · 0.25) − 1/2
    assert e.values["kl_data_g"] == pytest.approx(math.log(0.5) + 2 / 0.5 - 0.5, rel=1e-4)


# ---- extremes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["data", "g"])
def test_every_slider_at_both_ends_gives_sensible_numbers(explorer, side):
    e = explorer
    for family, params in FAMILY_SLIDERS.items():
        e.controls[f"{side}_family"].value = family
        for param in params:
            slider = e.controls[f"{side}_{param}"]
            for end in (slider.min, slider.max):
                slider.value = end
                check_numbers(e)
        for param in params:  # leave this family at its last extremes, reset for the next
            slider = e.controls[f"{side}_{param}"]
            slider.value = (slider.min + slider.max) / 2
    for end in (e.probe.min, e.probe.max):
        e.probe.value = end
        check_numbers(e)


def test_narrow_data_far_left_narrow_generator_far_right(explorer):
    e = explorer
    e.data_family.value = "normal"
    e.data_mean.value, e.data_std.value = e.data_mean.min, e.data_std.min
    e.g_mean.value, e.g_std.value = e.g_mean.max, e.g_std.min
    for x in (-10.0, -4.0, -1.0, 0.0, 1.0, 4.0, 10.0):
        e.probe.value = x
        check_numbers(e)
        assert e.values["jsd"] == pytest.approx(LOG2, abs=1e-5)  # practically disjoint
        assert e.values["v_star"] == pytest.approx(0.0, abs=1e-5)
    e.probe.value = 0.0  # both densities underflow a float here; f(D) is drawn scaled
    assert e.values["p_data_x"] == 0.0 and e.values["p_g_x"] == 0.0
    assert e.values["dstar_x"] == pytest.approx(0.5)  # equally far from both
    assert "underflow" in e.axes["f"].get_title()
    e.probe.value = -4.0
    assert e.values["dstar_x"] == pytest.approx(1.0)
    assert "max at D*(x)" in e.axes["f"].get_title()


def test_disjoint_uniforms_and_zero_densities_at_the_probe(explorer):
    e = explorer
    e.data_family.value = e.g_family.value = "uniform"
    e.data_centre.value, e.data_width.value = -4.0, 0.2
    e.g_centre.value, e.g_width.value = 4.0, 0.2
    check_numbers(e)
    assert e.values["jsd"] == pytest.approx(LOG2, abs=1e-6)
    assert math.isinf(e.values["kl_data_g"]) and math.isinf(e.values["kl_g_data"])
    assert e.readout.value.count("∞") == 2
    e.probe.value = 0.0  # a = b = 0: any D is optimal, f ≡ 0
    check_numbers(e)
    assert e.values["p_data_x"] == 0.0 and e.values["p_g_x"] == 0.0
    assert e.values["dstar_x"] == 0.5
    assert "a = b = 0" in e.axes["f"].get_title()
    assert np.all(e.artists["f_curve"].get_ydata() == 0.0)
    e.probe.value = -4.0  # inside P_data's support only: D* = 1
    assert e.values["dstar_x"] == 1.0
    assert "a = b = 0" not in e.axes["f"].get_title()


def test_uniform_data_normal_generator_has_one_infinite_kl(explorer):
    e = explorer
    e.data_family.value = "uniform"
    check_numbers(e)
    assert math.isfinite(e.values["kl_data_g"])
    assert math.isinf(e.values["kl_g_data"])
    assert e.readout.value.count("∞") == 1


def test_mixture_weights_at_the_ends_equal_a_single_normal(explorer):
    e = explorer
    e.set(data_family="mixture", data_weight=1.0, data_mean1=-1.0, data_mean2=3.0, data_std=0.4,
          g_mean=-1.0, g_std=0.4)
    check_numbers(e)
    assert e.values["jsd"] == pytest.approx(0.0, abs=1e-6)
    e.data_weight.value = 0.0
    e.g_mean.value = 3.0
    assert e.values["jsd"] == pytest.approx(0.0, abs=1e-6)


@st.composite
def _settings(draw):
    """A random setting of the controls the chosen families read, and the probe."""
    ranges = {"mean": (-4, 4), "std": (0.1, 1.2), "mean1": (-4, 4), "mean2": (-4, 4),
              "weight": (0, 1), "centre": (-4, 4), "width": (0.2, 8)}
    out = {}
    for side in ("data", "g"):
        family = draw(st.sampled_from(sorted(FAMILY_SLIDERS)))
        out[f"{side}_family"] = family
        for param in FAMILY_SLIDERS[family]:
            out[f"{side}_{param}"] = draw(st.floats(*ranges[param]))
    out["probe"] = draw(st.floats(-10, 10))
    return out


# No deadline: a redraw's time depends on the machine's load, not on the code. The same 30
# settings on every run: a failure is reproducible.
@settings(max_examples=30, deadline=None, derandomize=True)
@given(setting=_settings())
def test_any_setting_keeps_the_invariants(shared_explorer, setting):
    shared_explorer.set(**setting)
    check_numbers(shared_explorer)


# ---- input checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"data_colour": 1.0}, "unknown control 'data_colour'"),
        ({"data_family": "gamma"}, "data_family must be one of"),
        ({"g_std": 0.0}, "g_std must be a number from 0.1 to 1.2"),
        ({"probe": 11.0}, "probe must be a number from -10 to 10"),
        ({"data_mean": "1"}, "data_mean must be a number"),
        ({"dpi": 5}, "dpi must be a number from 40 to 200"),
        ({"continuous_update": "yes"}, "continuous_update must be True or False"),
    ],
)
def test_bad_constructor_input_says_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        DStarExplorer(**kwargs)


def test_starting_values_are_used():
    e = DStarExplorer(data_family="normal", data_mean=1.0, data_std=1.0, g_mean=-1.0, probe=0.0,
                      continuous_update=False)
    assert isinstance(e.p_data, dist.Normal) and e.p_data.loc == pytest.approx(1.0)
    assert e.p_g.loc == pytest.approx(-1.0)
    assert e.values["dstar_x"] == pytest.approx(0.5)
    assert e.probe.continuous_update is False
    e.close()


def test_set_and_reset_redraw_once_and_check_their_input(explorer):
    e = explorer
    start = dict(e.values)
    e.set(g_mean=2.0, g_std=0.5, probe=-1.0)
    assert (e.g_mean.value, e.g_std.value, e.probe.value) == (2.0, 0.5, -1.0)
    assert e.p_g.loc == pytest.approx(2.0) and e.values["probe"] == -1.0
    with pytest.raises(ValueError, match="g_std must be a number from 0.1 to 1.2"):
        e.set(g_mean=1.0, g_std=5.0)
    assert e.g_mean.value == 2.0  # nothing changed
    e.reset()
    assert e.values == start
