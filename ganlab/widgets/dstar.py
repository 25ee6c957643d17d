""":class:`DStarExplorer`: drag P_data, P_G and a probe point x; watch the optimal discriminator
D*(x) = p_data(x) / (p_data(x) + p_G(x)), the integrand f(D) = a log D + b log(1 − D) at the
probe, and the exact JSD, both KLs and V(G, D*) respond at once.

The figure is built once; a slider change updates its artists in place and redraws only them
onto stored backgrounds (:mod:`ganlab.widgets.render`), which keeps a change within the 50 ms
budget.
"""

from __future__ import annotations

import math
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Polygon
from matplotlib.ticker import MaxNLocator, MultipleLocator
from matplotlib.transforms import Bbox

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab import plots
from ganlab.widgets.render import (Backgrounds, FigureWidget, agg_figure, blit, check_dpi,
                                   fix_layout, lecture_style, readout_table)

__all__ = ["DStarExplorer"]


_GRID = (-10.0, 10.0, 4001)  # spacing 0.005: >= 20 points per std at the narrowest slider

# Family choices (label, value) and the shape sliders each family reads.
_FAMILIES = (("Normal", "normal"), ("two-component mixture", "mixture"), ("uniform", "uniform"))
_FAMILY_PARAMS = {
    "normal": ("mean", "std"),
    "mixture": ("mean1", "mean2", "std", "weight"),
    "uniform": ("centre", "width"),
}
# Shape sliders: (label, min, max, step). Means within ±4 and std <= 1.2 keep 5 std of every
# Normal on the grid; centre ± width/2 stays within ±8, so no setting loses mass off the grid and
# no combination is invalid (width > 0, weight in [0, 1], std > 0).
_SHAPE_SLIDERS = {
    "mean": ("mean", -4.0, 4.0, 0.05),
    "std": ("std", 0.1, 1.2, 0.01),
    "mean1": ("mean 1", -4.0, 4.0, 0.05),
    "mean2": ("mean 2", -4.0, 4.0, 0.05),
    "weight": ("weight 1", 0.0, 1.0, 0.01),
    "centre": ("centre", -4.0, 4.0, 0.05),
    "width": ("width", 0.2, 8.0, 0.05),
}
_START = {
    "data": dict(family="mixture", mean=0.0, std=0.5, mean1=-2.0, mean2=2.0, weight=0.5,
                 centre=0.0, width=4.0),
    "g": dict(family="normal", mean=0.0, std=1.0, mean1=-2.0, mean2=2.0, weight=0.5,
              centre=0.0, width=4.0),
}
_PROBE = ("probe x", _GRID[0], _GRID[1], 0.05, 1.5)
_SIDE_TITLES = {"data": "P<sub>data</sub>", "g": "P<sub>G</sub>"}

# Density-axis tops: the axis keeps its top while the taller peak fills 40–95 % of it, so there
# are few backgrounds (ticks, labels) to draw and store.
_DENSITY_TOPS = (0.15, 0.3, 0.6, 1.2, 2.2, 4.4, 5.5)
_D_VALUES = np.linspace(1e-3, 1.0 - 1e-3, 400)  # D axis of the f(D) panel
_TINY_LOG = -600.0  # below this log density, f(D) is drawn scaled so it stays representable
# The f(D) panel's title in each case: a and b ordinary, both underflowing, both exactly 0.
_F_TITLES = {
    "exact": "f(D) at the probe x, max at D*(x)",
    "scaled": "f(D) / max(a, b): a, b underflow at x",
    "zero": "a = b = 0 at x: f ≡ 0, any D is optimal",
}


def _distribution(family: str, p: dict) -> dist.Distribution:
    """The ganlab distribution for a family and its shape parameters (slider values)."""
    if family == "normal":
        return dist.Normal(p["mean"], p["std"])
    if family == "mixture":
        w = min(max(p["weight"], 0.0), 1.0)
        return dist.Mixture(
            [dist.Normal(p["mean1"], p["std"]), dist.Normal(p["mean2"], p["std"])],
            weights=[w, 1.0 - w],
        )
    half = 0.5 * p["width"]
    return dist.Uniform(p["centre"] - half, p["centre"] + half)


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _superscript(value: float) -> str:
    """An integer exponent in Unicode superscripts, e.g. -3200 -> '⁻³²⁰⁰'."""
    return f"{value:.0f}".translate(_SUPERSCRIPTS)


def _density_text(log_density: float) -> str:
    """A density for a label: ``0``, ``0.0542``, or ``e⁻³²⁰⁰`` where it underflows a float."""
    if log_density == -math.inf:
        return "0"
    if log_density > -700.0:
        return f"{math.exp(log_density):.3g}"
    return "e" + _superscript(log_density)


def _density_top(peak: float, current: float | None) -> float:
    """The density axis' top for the taller peak: keep ``current`` while it fits, else a rung."""
    need = 1.05 * peak
    if current is not None and need <= current and need >= 0.4 * current:
        return current
    for top in _DENSITY_TOPS:
        if top >= need:
            return top
    return need


class DStarExplorer(FigureWidget):
    """Drag P_data, P_G and a probe x; see D*, f(D) at x and every divergence update live.

    One figure: left, the densities p_data and p_G (density axis) with D*(x) on its own 0–1 axis
    (right-hand scale, 1/2 line) and the probe x marked; right, f(D) = a log D + b log(1 − D) at
    the probe (a = p_data(x), b = p_G(x)) with its maximum D*(x) = a / (a + b) marked. Beside it
    the readouts JSD, KL(P_data ‖ P_G), KL(P_G ‖ P_data), V(G, D*) and −2 log 2 + 2 JSD, in nats
    (an infinite KL reads ∞).

    The divergences are exact quadrature on ``xs`` = 4001 points over [−10, 10]
    (:func:`ganlab.divergences.compare`); the slider ranges keep both densities' mass on it.
    D* is pointwise (:func:`ganlab.divergences.optimal_discriminator`), exact at the probe too.

    Controls (ipywidgets; also in the dict :attr:`controls` under the same names):

    - ``data_family``, ``g_family``: Dropdowns, ``"normal"``, ``"mixture"`` or ``"uniform"``
    - ``data_mean``, ``g_mean``: a Normal's mean, in [−4, 4]
    - ``data_std``, ``g_std``: std of a Normal and of both mixture components, in [0.1, 1.2]
    - ``data_mean1``, ``data_mean2``, ``g_mean1``, ``g_mean2``: the mixture's means, in [−4, 4]
    - ``data_weight``, ``g_weight``: weight of mixture component 1, in [0, 1]
    - ``data_centre``, ``g_centre``: a uniform's centre, in [−4, 4]
    - ``data_width``, ``g_width``: a uniform's width, in [0.2, 8]
    - ``probe``: the point x, in [−10, 10]

    Setting a control's ``.value`` (in code or by dragging) recomputes :attr:`values` and redraws
    the figure before it returns; :meth:`set` changes several controls with one redraw and
    :meth:`reset` goes back to the start. Show the explorer by making it the last expression of
    a cell, or ``display(explorer)``::

        from ganlab.widgets import DStarExplorer
        explorer = DStarExplorer(data_family="mixture", g_std=1.0)
        explorer

    Args:
        dpi: resolution of the figure (40–200); the default suits a projector.
        continuous_update: redraw while a slider is dragged (True) or only when it is released.
        **start: starting values of any controls, by the names above, e.g.
            ``DStarExplorer(data_family="normal", g_mean=2.0)``.

    Attributes:
        values: dict of floats: ``jsd``, ``kl_data_g``, ``kl_g_data``, ``v_star``, ``identity``
            (−2 log 2 + 2 JSD), ``probe`` (x), ``p_data_x``, ``p_g_x`` (densities at x),
            ``log_p_data_x``, ``log_p_g_x``, ``dstar_x`` (D* at x).
        p_data, p_g: the current distributions.
        xs: the quadrature grid, shape ``(4001,)``, float32.
        dstar: D* on ``xs``, shape ``(4001,)``.
        figure: the matplotlib Figure (``explorer.figure.savefig(...)`` exports it).
        axes: its axes by name: ``"density"``, ``"dstar"`` (the 0–1 twin axis), ``"f"``.
        image: the ``ipywidgets.Image`` showing it (PNG bytes in ``image.value``).
        readout: the ``ipywidgets.HTML`` with the numbers.
        widget: the whole explorer as one ``ipywidgets.VBox``.
        artists: the matplotlib artists updated on every change, by name.
        last_timing: milliseconds spent on the last update: ``numbers``, ``draw``, ``encode``,
            ``total``; and ``background``, True when it first had to draw the axes, ticks and
            labels for a new density scale or f(D) title (later ones reuse the stored pixels).
    """

    def __init__(self, *, dpi: float = 80, continuous_update: bool = True, **start):
        dpi = check_dpi(dpi)
        if not isinstance(continuous_update, bool):
            raise ValueError(f"continuous_update must be True or False, got {continuous_update!r}")

        self.xs = div.grid(*_GRID)
        self._xs32 = np.asarray(self.xs, dtype=np.float32)
        self._xs = self._xs32.astype(np.float64)
        self.controls = self._make_controls(continuous_update)
        for name, control in self.controls.items():
            setattr(self, name, control)
        self._assign(start)
        self._start = {name: control.value for name, control in self.controls.items()}

        self.values: dict = {}
        self.last_timing: dict = {}
        self._cache: dict = {}  # side -> (shape key, distribution)
        self._compared = None  # (keys, numbers from div.compare)
        self._build_figure(dpi)
        self._make_outputs()
        self.widget = self._layout()
        self._show_family_sliders()
        self.update()
        self._observe()

    # ---- controls ---------------------------------------------------------------------------

    @staticmethod
    def _make_controls(continuous_update: bool) -> dict:
        controls = {}
        for side, start in _START.items():
            controls[f"{side}_family"] = widgets.Dropdown(
                options=_FAMILIES, value=start["family"], description="family"
            )
            for param, (label, low, high, step) in _SHAPE_SLIDERS.items():
                controls[f"{side}_{param}"] = widgets.FloatSlider(
                    value=start[param], min=low, max=high, step=step, description=label,
                    continuous_update=continuous_update, readout_format=".2f",
                )
        label, low, high, step, value = _PROBE
        controls["probe"] = widgets.FloatSlider(
            value=value, min=low, max=high, step=step, description=label,
            continuous_update=continuous_update, readout_format=".2f",
        )
        return controls

    def reset(self, **values) -> None:
        """Every control back to its value at construction, then ``values`` as in :meth:`set`."""
        self.set(**{**self._start, **values})

    def _layout(self) -> widgets.VBox:
        columns = []
        for side in ("data", "g"):
            colour = plots.STYLE["p_data" if side == "data" else "p_g"]["color"]
            title = widgets.HTML(
                f"<b style='font-size:16px;color:{colour}'>{_SIDE_TITLES[side]}</b>"
            )
            rows = [self.controls[f"{side}_family"]]
            rows += [self.controls[f"{side}_{param}"] for param in _SHAPE_SLIDERS]
            columns.append(widgets.VBox([title, *rows]))
        probe_title = widgets.HTML("<b style='font-size:16px'>probe point</b>")
        columns.append(widgets.VBox([probe_title, self.controls["probe"], self.readout]))
        return widgets.VBox([self.image, widgets.HBox(columns)])

    def _show_family_sliders(self) -> None:
        for side in ("data", "g"):
            wanted = _FAMILY_PARAMS[self.controls[f"{side}_family"].value]
            for param in _SHAPE_SLIDERS:
                layout = self.controls[f"{side}_{param}"].layout
                layout.display = None if param in wanted else "none"

    def _changed(self, names: set) -> None:
        if names & {"data_family", "g_family"}:
            self._show_family_sliders()
        self.update()

    def _shape(self, side: str) -> tuple:
        family = self.controls[f"{side}_family"].value
        params = {p: float(self.controls[f"{side}_{p}"].value) for p in _FAMILY_PARAMS[family]}
        return (family, tuple(sorted(params.items())))

    def _side(self, side: str):
        """(shape key, distribution) for one side, rebuilt only when its shape changed."""
        key = self._shape(side)
        cached = self._cache.get(side)
        if cached is None or cached[0] != key:
            cached = (key, _distribution(key[0], dict(key[1])))
            self._cache[side] = cached
        return cached

    @property
    def p_data(self) -> dist.Distribution:
        return self._side("data")[1]

    @property
    def p_g(self) -> dist.Distribution:
        return self._side("g")[1]

    @property
    def dstar(self) -> np.ndarray:
        return np.asarray(self._compared[1]["dstar"])

    # ---- figure -----------------------------------------------------------------------------

    def _build_figure(self, dpi: float) -> None:
        xs = self._xs
        with lecture_style():
            fig = agg_figure((12.5, 4.8), dpi)
            ax, ax_f = fig.subplots(1, 2, width_ratios=[2.0, 1.0])
            ax_d = ax.twinx()
            ax_d.spines["right"].set_visible(True)

            zeros = np.zeros_like(xs)
            fill_data = Polygon(np.zeros((2, 2)), closed=True, linewidth=0,
                                **plots.STYLE["fill_data"])
            fill_g = Polygon(np.zeros((2, 2)), closed=True, linewidth=0, **plots.STYLE["fill_g"])
            ax.add_patch(fill_data)
            ax.add_patch(fill_g)
            (line_data,) = ax.plot(xs, zeros, **plots.STYLE["p_data"])
            (line_g,) = ax.plot(xs, zeros, **plots.STYLE["p_g"])
            probe_line = ax.axvline(0.0, color="0.3", linewidth=1.5, linestyle="--",
                                    label="probe x")
            (mark_data,) = ax.plot([0.0], [0.0], "o", color=plots.STYLE["p_data"]["color"],
                                   markersize=9)
            (mark_g,) = ax.plot([0.0], [0.0], "o", color=plots.STYLE["p_g"]["color"],
                                markersize=9)
            ax.set_xlim(xs[0], xs[-1])
            ax.set_xlabel("x")
            ax.set_ylabel("density")
            ax.xaxis.set_major_locator(MultipleLocator(5.0))  # few tick labels: text is slow
            ax.yaxis.set_major_locator(MaxNLocator(4))

            ax_d.axhline(0.5, **plots.STYLE["half"])
            (line_dstar,) = ax_d.plot(xs, zeros, **plots.STYLE["d_star"])
            (mark_dstar,) = ax_d.plot([0.0], [0.5], "D", color=plots.STYLE["d_star"]["color"],
                                      markersize=9, markeredgecolor="black")
            ax_d.set_ylim(-0.03, 1.03)
            ax_d.set_yticks([0.0, 0.5, 1.0])
            ax_d.set_ylabel(r"$D^*(x)$", color=plots.STYLE["d_star"]["color"])
            # Above the axes, off the curves; 14 pt keeps the subscripts of p_data, p_G legible.
            ax.legend(handles=[line_data, line_g, line_dstar, probe_line], loc="lower left",
                      bbox_to_anchor=(0.0, 1.0), ncols=4, frameon=False, borderaxespad=0.2,
                      fontsize=14)

            colour = plots.STYLE["d_star"]["color"]
            (f_curve,) = ax_f.plot(_D_VALUES, np.zeros_like(_D_VALUES), color=colour,
                                   linewidth=3.0)
            f_line = ax_f.axvline(0.5, color=colour, linestyle=":", linewidth=1.5)
            (f_max,) = ax_f.plot([0.5], [0.0], "o", color=colour, markersize=11, clip_on=False,
                                 markeredgecolor="black")
            ax_f.set_xlim(0.0, 1.0)
            ax_f.set_xticks([0.0, 0.5, 1.0])
            ax_f.set_yticks([])  # f's scale changes with x; its shape and argmax are the point
            ax_f.set_xlabel("D")
            ax_f.set_ylabel(r"$f(D) = a\,\log D + b\,\log(1-D)$")
            ax_f.set_title(max(_F_TITLES.values(), key=len), fontsize=13)  # sized for the longest
            for a in (ax, ax_d, ax_f):
                a.set_autoscale_on(False)

        self.figure = fig
        self.axes = {"density": ax, "dstar": ax_d, "f": ax_f}
        self.artists = {
            "fill_data": fill_data, "fill_g": fill_g, "p_data": line_data, "p_g": line_g,
            "probe_line": probe_line, "probe_p_data": mark_data, "probe_p_g": mark_g,
            "dstar": line_dstar, "probe_dstar": mark_dstar,
            "f_curve": f_curve, "f_argmax_line": f_line, "f_max": f_max,
        }
        fix_layout(fig, self.artists.values())  # drawn on every update, onto backgrounds
        # Where the f(D) panel's title is drawn, whichever it is (pixels, a little padded).
        renderer = fig.canvas.get_renderer()
        boxes = []
        for text in _F_TITLES.values():
            ax_f.title.set_text(text)
            boxes.append(ax_f.title.get_window_extent(renderer))
        title_box = Bbox.intersection(Bbox.union(boxes).padded(3), fig.bbox)
        # Stored backgrounds: the whole figure for each density-axis top, the title strip for
        # each f(D) title. Each is drawn (slow: text) the first time it is needed only.
        self._backgrounds = Backgrounds(fig)
        self._title_strips = Backgrounds(fig, box=title_box)
        self._density_top = None
        self._f_mode = None

    # ---- update -----------------------------------------------------------------------------

    def update(self) -> None:
        """Recompute :attr:`values` from the controls and redraw the figure and readouts.

        Only the data artists are redrawn, onto the stored background; the background itself
        (ticks, titles) is redrawn when the density axis changes scale or the f(D) panel's title
        changes. Text is slow to draw, so nothing that changes on every update is text.
        """
        t0 = time.perf_counter()
        (data_key, p_data), (g_key, p_g) = self._side("data"), self._side("g")
        if self._compared is None or self._compared[0] != (data_key, g_key):
            self._compared = ((data_key, g_key), div.compare(p_data, p_g, self.xs))
        exact = self._compared[1]
        x = float(self.controls["probe"].value)
        # One evaluation per density gives the curve on xs and the value at the probe.
        points = np.append(self._xs32, np.float32(x))
        lp_data = np.asarray(p_data.log_prob(points), dtype=np.float64)
        lp_g = np.asarray(p_g.log_prob(points), dtype=np.float64)
        dens_data, dens_g = np.exp(lp_data[:-1]), np.exp(lp_g[:-1])
        la, lb = float(lp_data[-1]), float(lp_g[-1])
        d_x = float(div.optimal_discriminator(p_data, p_g, x))  # exact, 1/2 where a = b = 0
        self.values = {
            "jsd": exact["jsd"],
            "kl_data_g": exact["kl_data_g"],
            "kl_g_data": exact["kl_g_data"],
            "v_star": exact["v_star"],
            "identity": exact["identity"],
            "probe": x,
            "p_data_x": math.exp(la),
            "p_g_x": math.exp(lb),
            "log_p_data_x": la,
            "log_p_g_x": lb,
            "dstar_x": d_x,
        }
        t1 = time.perf_counter()

        self._set_density_top(max(dens_data.max(), dens_g.max()))
        self._set_artists(dens_data, dens_g, np.asarray(exact["dstar"]), x, la, lb, d_x)
        background = blit(self.figure, self.artists.values(),
                          [(self._backgrounds, self._density_top),
                           (self._title_strips, self._f_mode)])
        t2 = time.perf_counter()
        self._show()
        t3 = time.perf_counter()
        self.last_timing = {
            "numbers": 1e3 * (t1 - t0), "draw": 1e3 * (t2 - t1), "encode": 1e3 * (t3 - t2),
            "total": 1e3 * (t3 - t0), "background": bool(background),
        }

    def _set_density_top(self, peak: float) -> None:
        """Scale the density axis to the taller peak, moving its top only in rungs."""
        top = _density_top(float(peak), self._density_top)
        if top != self._density_top:
            self._density_top = top
            self.axes["density"].set_ylim(0.0, top)

    def _set_artists(self, dens_data, dens_g, dstar, x, la, lb, d_x) -> None:
        """Put the new data into the animated artists."""
        art, xs = self.artists, self._xs
        for name, dens in (("data", dens_data), ("g", dens_g)):
            art[f"p_{name}"].set_ydata(dens)
            art[f"fill_{name}"].set_xy(
                np.column_stack([np.r_[xs, xs[::-1]], np.r_[dens, np.zeros_like(dens)]])
            )
        art["dstar"].set_ydata(dstar)
        art["probe_line"].set_xdata([x, x])
        art["probe_p_data"].set_data([x], [math.exp(la)])
        art["probe_p_g"].set_data([x], [math.exp(lb)])
        art["probe_dstar"].set_data([x], [d_x])
        self._set_f_panel(la, lb, d_x)

    def _set_f_panel(self, la, lb, d_x) -> None:
        """f(D) = a log D + b log(1 − D) at the probe, its maximum at D*(x) marked.

        Where a and b underflow a float (far in two Gaussian tails) f is drawn scaled by
        1 / max(a, b), which keeps its shape and its argmax. The title says which case it is.
        """
        art, ax_f = self.artists, self.axes["f"]
        if la == -math.inf and lb == -math.inf:
            mode = "zero"
            f = np.zeros_like(_D_VALUES)
            d_x, f_best, low, high = 0.5, 0.0, -1.0, 1.0
        else:
            top = max(la, lb)
            mode = "scaled" if top < _TINY_LOG else "exact"
            shift = top if mode == "scaled" else 0.0
            a, b = math.exp(la - shift), math.exp(lb - shift)
            log_d = la - np.logaddexp(la, lb)  # log D*(x), exact even where D* underflows
            log_1md = lb - np.logaddexp(la, lb)
            f_best = (a * log_d if a > 0 else 0.0) + (b * log_1md if b > 0 else 0.0)
            f = plots.f_of_d(a, b, _D_VALUES)
            low, high = f_best - 2.5 * (a + b), f_best + 0.35 * (a + b)
        art["f_curve"].set_ydata(f)
        art["f_max"].set_data([d_x], [f_best])
        art["f_argmax_line"].set_xdata([d_x, d_x])
        ax_f.set_ylim(low, high)
        if mode != self._f_mode:
            self._f_mode = mode
            ax_f.set_title(_F_TITLES[mode], fontsize=13)

    def _readout_html(self) -> str:
        """The numbers as an HTML table: divergences in nats, then the values at the probe."""
        nats, n = plots.format_nats, self.values
        data, g = "P<sub>data</sub>", "P<sub>G</sub>"
        rows = [
            ("<i>in nats</i>", ""),
            (f"JSD({data} ‖ {g})", nats(n["jsd"])),
            ("&nbsp;&nbsp;(at most log 2)", nats(div.LOG2)),
            (f"KL({data} ‖ {g})", nats(n["kl_data_g"])),
            (f"KL({g} ‖ {data})", nats(n["kl_g_data"])),
            ("V(G, D*)", nats(n["v_star"])),
            ("−2 log 2 + 2 JSD", nats(n["identity"])),
            (f"<i>at x = {n['probe']:.2f}</i>", ""),
            ("p<sub>data</sub>(x)", _density_text(n["log_p_data_x"])),
            ("p<sub>G</sub>(x)", _density_text(n["log_p_g_x"])),
            ("D*(x)", f"{n['dstar_x']:.4f}"),
        ]
        return readout_table(rows)

    # ---- display ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        x = self.controls["probe"].value
        return f"DStarExplorer(p_data={self.p_data!r}, p_g={self.p_g!r}, probe={x:g})"
