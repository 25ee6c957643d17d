"""The live trainer's figure: three panels, redrawn by blitting on every frame.

Left, the view. 1D: p_data, the generator's density (a kernel density estimate of its
samples), the learned D and the exact D* = p_data / (p_data + p_G) for that density. 2D: D's
output as a heat map over the plane, real and fake points, the arrows ∇ₓD at the fakes (where
G's update will push them) and the generator's warped noise grid. Middle, the losses over the
steps. Right, the measure over time: the JSD in 1D, the modes captured and the share of samples
within 3σ of a mode in 2D.

Made to be read from the back of a lecture hall: every text at least 12 pt, thick lines and
large markers, D's heat map with a colour bar (0 = looks fake, 1 = looks real), and every legend
above its panel, off the data, which move on every frame.

Everything that changes is an animated artist, drawn onto a stored background of the axes for
the current limits (:func:`ganlab.widgets.render.blit`); the axes' limits move in 1-2-5 steps,
so a full redraw (ticks, labels) is rare.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D

from ganlab import divergences as div
from ganlab import plots
from ganlab.widgets.render import Backgrounds, agg_figure, blit, fix_layout, lecture_style
from ganlab.widgets.trainer.views import N_ARROWS, N_PLANE, Views

__all__ = ["TrainerFigure"]

N_FAKE_SHOWN = 300
MAX_CURVE_POINTS = 400
FIGURE_SIZE = (13.0, 4.8)  # inches; at the default 72 dpi, 936 × 346 pixels
# Points and lines of the 2D view, large enough for a projector: marker areas (pt²), the noise
# grid's line width (pt), the arrows' shaft width (a fraction of the axes' width).
POINT_SIZE, GRID_WIDTH, ARROW_WIDTH = 30.0, 1.3, 0.007
LEGEND = dict(loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, frameon=False,
              handlelength=1.6, columnspacing=1.0)  # above the axes: off the moving data
HEAT_LABELS = {False: "D(x)", True: "critic, rescaled"}


def nice_limit(value: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (> 0)."""
    value = max(float(value), 1e-6)
    base = 10.0 ** math.floor(math.log10(value))
    return next(b * base for b in (1.0, 2.0, 5.0, 10.0) if b * base >= value * (1 - 1e-9))


def curve(values: np.ndarray):
    """(steps, values) with at most MAX_CURVE_POINTS points: means over consecutive blocks,
    each plotted at its last step."""
    n = len(values)
    if n <= MAX_CURVE_POINTS:
        return np.arange(1, n + 1), values
    edges = np.linspace(0, n, MAX_CURVE_POINTS + 1).astype(int)
    sums = np.add.reduceat(np.asarray(values, np.float64), edges[:-1])
    return edges[1:], sums / np.diff(edges)


class TrainerFigure:
    """The trainer's figure for the data and inputs of ``views`` (:class:`Views`).

    Attributes: ``figure`` (matplotlib), ``axes`` (``"view"``, ``"loss"``, ``"metric"``),
    ``artists`` (the animated ones, by name), ``colorbar`` (2D: the colour bar of D's heat
    map, labelled "D(x)", or "critic, rescaled" for a Wasserstein critic; None in 1D),
    ``background_drawn`` (True when the last :meth:`blit` had to draw the whole figure: new
    axis limits, or the colour bar's label changed).
    """

    def __init__(self, views: Views, dpi: float):
        self.views = views
        self.colorbar = None  # 2D: D's colour bar
        with lecture_style():
            fig = agg_figure(FIGURE_SIZE, dpi)
            fig.get_layout_engine().set(wspace=0.06)  # a clear gap between the y labels
            ax_view, ax_loss, ax_metric = fig.subplots(1, 3, width_ratios=[1.6, 1, 1])
            art = {}
            if views.dim == 1:
                self._twin = self._build_1d(ax_view, ax_metric, art)
            else:
                self._twin = self._build_2d(ax_view, ax_metric, art)
            (art["d_loss"],) = ax_loss.plot([], [], color=plots.PALETTE["blue"], label="D loss")
            (art["g_loss"],) = ax_loss.plot([], [], color=plots.PALETTE["green"], label="G loss")
            ax_loss.legend(ncols=2, **LEGEND)
            ax_loss.set_ylabel("loss")
            ax_loss.set_xlabel("step")
            ax_metric.set_xlabel("step")
            for ax in (ax_view, ax_loss, ax_metric):
                ax.set_autoscale_on(False)
            # The layout is made once: leave room for the widest tick labels to come.
            for ax in (ax_loss, ax_metric):
                ax.set_xlim(0, 100_000)
            ax_loss.set_ylim(-1.25, 1.75)
        fix_layout(fig, art.values())
        self.figure, self.artists = fig, art
        self.axes = {"view": ax_view, "loss": ax_loss, "metric": ax_metric}
        self._backgrounds = Backgrounds(fig, keep_all=False)  # the step axis only grows
        self._limits = None  # (steps, loss low, loss high, metric top, critic): set by draw
        self.background_drawn = False

    def _build_1d(self, ax, ax_metric, art):
        xs, p_data = np.asarray(self.views.xs), self.views.p_data_curve
        (art["p_data"],) = ax.plot(xs, p_data, **plots.STYLE["p_data"])
        (art["p_g"],) = ax.plot(xs, np.zeros_like(xs), **plots.STYLE["p_g"])
        ax_d = ax.twinx()
        ax_d.spines["right"].set_visible(True)
        ax_d.axhline(0.5, **plots.STYLE["half"])
        (art["d"],) = ax_d.plot(xs, np.zeros_like(xs), **plots.STYLE["d"])
        (art["d_star"],) = ax_d.plot(xs, np.zeros_like(xs), **plots.STYLE["d_star"])
        ax_d.set_ylim(-0.03, 1.03)
        ax_d.set_ylabel("D(x)")
        ax.set_xlim(*self.views.limits)
        ax.set_ylim(0, 1.3 * p_data.max())
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        # 14 pt: the subscripts of p_data and p_G stay legible
        ax.legend(handles=[art["p_data"], art["p_g"], art["d"], art["d_star"]], ncols=4,
                  fontsize=14, **{**LEGEND, "handlelength": 1.4, "columnspacing": 0.8})
        (art["metric"],) = ax_metric.plot([], [], **plots.STYLE["jsd"])
        ax_metric.set_ylabel("JSD (nats)")
        ax_metric.axhline(div.LOG2, **plots.STYLE["half"])  # its ceiling: disjoint supports
        ax_metric.set_yticks([0.0, 0.2, 0.4, 0.6, div.LOG2], ["0", "0.2", "0.4", "0.6", "log 2"])
        return None

    def _build_2d(self, ax, ax_metric, art):
        art.update(plots.draw_plane(ax, self.views.limits, n_grid=N_PLANE))
        plots.update_plane(art, real=self.views.real)
        art["real"].set_sizes([POINT_SIZE])
        art["fake"].set_sizes([POINT_SIZE])
        art["fake"].set_linewidth(0.8)
        art["manifold"].set_linewidth(GRID_WIDTH)
        art["arrows"].width = ARROW_WIDTH
        arrow = Line2D([], [], linestyle="none", marker=r"$\rightarrow$", markersize=16,
                       color=plots.PALETTE["blue"], label="∇ₓD")
        grid = Line2D([], [], color=art["manifold"].get_color()[0], linewidth=GRID_WIDTH,
                      label="G(grid)")
        ax.legend(handles=[art["real"], art["fake"], arrow, grid], ncols=4, markerscale=1.3,
                  **{**LEGEND, "handlelength": 1.2, "columnspacing": 0.8})
        # The bar sits on the square view's right (the view keeps to its slot's left side),
        # where the layout leaves room for it and its labels.
        ax.set_anchor("W")
        bar = ax.figure.colorbar(art["heat"], cax=ax.inset_axes([1.04, 0.0, 0.05, 1.0]),
                                 ticks=[0.0, 0.5, 1.0])
        bar.ax.set_yticklabels(["0 fake", "0.5", "1 real"])
        bar.set_label(HEAT_LABELS[False])
        self.colorbar = bar
        (art["metric"],) = ax_metric.plot([], [], color=plots.PALETTE["vermillion"],
                                          label="modes")
        ax_hq = ax_metric.twinx()
        ax_hq.spines["right"].set_visible(True)
        (art["hq"],) = ax_hq.plot([], [], color=plots.PALETTE["sky"], linestyle="--",
                                  label="% within 3σ")
        ax_hq.set_ylim(0, 105)
        ax_hq.set_ylabel("% of samples within 3σ")
        ax_hq.set_autoscale_on(False)
        modes = self.views.modes
        ax_metric.set_ylabel(f"modes captured (of {0 if modes is None else len(modes)})")
        ax_metric.legend(handles=[art["metric"], art["hq"]], ncols=2, **LEGEND)
        return ax_hq

    def draw(self, numbers, measured: dict, trace: dict, history: dict, step: int, *,
             only_widen: bool = False, critic: bool = False) -> None:
        """Put a frame into the artists and blit it. ``numbers``: (fakes, warped grid, D on
        the plane or line, ∇ₓD at the first fakes) as NumPy arrays; ``measured``: from
        :meth:`Views.measure`; ``trace``: the measures so far (lists by name, with
        ``"step"``); ``history``: the run's losses; ``only_widen``: the loss axis may grow but
        not shrink (while playing: refitting it costs a full redraw, and block means of the
        losses would flicker across the 1-2-5 steps); ``critic``: D's outputs are a critic's
        (Wasserstein), shown rescaled to [0, 1] since only their differences mean something.
        """
        fakes, lines, d_plane, grads = numbers
        art = self.artists
        if self.views.dim == 1:
            art["p_g"].set_ydata(measured["p_g"])
            art["d"].set_ydata(d_plane)
            art["d_star"].set_ydata(np.asarray(measured["d_star"]))
            art["metric"].set_data(trace["step"], trace["jsd"])
            metric_top = div.LOG2 * 1.05
        else:
            if critic:
                d_plane = (d_plane - d_plane.min()) / max(float(np.ptp(d_plane)), 1e-12)
            plots.update_plane(art, d_plane=d_plane.reshape(N_PLANE, N_PLANE),
                               fake=fakes[:N_FAKE_SHOWN], lines=lines, real=self.views.real)
            self.show_arrows(fakes[:N_ARROWS], grads)
            modes = self.views.modes
            if modes is not None:
                art["metric"].set_data(trace["step"], trace["modes"])
                art["hq"].set_data(trace["step"], 100 * np.asarray(trace["high_quality"]))
            metric_top = len(modes) * 1.05 if modes is not None else 1.0
        steps, d_loss = curve(history["d_loss"])
        g_loss = curve(history["g_loss"])[1]
        art["d_loss"].set_data(steps, d_loss)
        art["g_loss"].set_data(steps, g_loss)
        losses = np.concatenate([d_loss, g_loss]) if len(d_loss) else np.ones(1)
        finite = losses[np.isfinite(losses)]
        low = min(0.0, -nice_limit(-finite.min())) if finite.size and finite.min() < 0 else 0.0
        high = nice_limit(finite.max() if finite.size else 1.0)
        if only_widen and self._limits is not None:
            low, high = min(low, self._limits[1]), max(high, self._limits[2])
        self._set_limits((nice_limit(max(step, 100)), low, high, metric_top, critic))
        self.blit()

    def show_points(self, real=None, fake=None) -> None:
        """2D: show these real and fake points ``(n, 2)`` (slow motion's minibatch)."""
        plots.update_plane(self.artists, real=real, fake=fake)

    def show_arrows(self, at: np.ndarray, grads: np.ndarray) -> None:
        """2D: arrows along ``grads`` ``(n, 2)`` at ``at``, the longest 12 % of the plane."""
        norms = np.linalg.norm(grads, axis=-1)
        top = float(norms.max()) if norms.size and norms.max() > 0 else 1.0
        length = 0.12 * (self.views.limits[1] - self.views.limits[0])
        plots.update_plane(self.artists, arrow_at=at, arrow_vectors=grads / top * length)
        self.artists["arrows"].width = ARROW_WIDTH  # a new quiver when the count changed

    def _set_limits(self, limits) -> None:
        if limits == self._limits:
            return
        self._limits = limits
        x_top, low, high, metric_top, critic = limits
        self.axes["loss"].set_xlim(0, x_top)
        self.axes["loss"].set_ylim(low, high)
        self.axes["metric"].set_xlim(0, x_top)
        self.axes["metric"].set_ylim(0, metric_top)
        if self._twin is not None:
            self._twin.set_xlim(0, x_top)
        if self.colorbar is not None:
            self.colorbar.set_label(HEAT_LABELS[critic])

    def blit(self) -> None:
        """The stored background for the current axis limits, then the animated artists."""
        self.background_drawn = blit(self.figure, self.artists.values(),
                                     [(self._backgrounds, self._limits)])
