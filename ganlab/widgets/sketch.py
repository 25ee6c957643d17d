""":class:`DataSketch`: draw a 2D data distribution with the mouse, then train a GAN on it.

Press the mouse button on the plane and drag: the stroke leaves a trail of points, one every
``spacing``. The drawn data are an equal mixture of small round Gaussians (standard deviation
``scale``) centred on the points: ``sketch.distribution()``, which :class:`GANTrainer` takes as
its data, e.g. ``GANTrainer(sketch.distribution())``. **undo** removes the last stroke, **clear**
all of them; ``sketch.add_stroke(points)`` draws from code.

The plane is an interactive matplotlib canvas (ipympl), the one widget here that needs mouse
events; the others draw PNG images. Importing ipympl makes it matplotlib's backend, so in a
notebook the pyplot figures made after the first sketch are interactive canvases too (put the
sketch after a notebook's static figures).
"""

from __future__ import annotations

import warnings

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ganlab import distributions as dist
from ganlab import plots
from ganlab.loop import positive_float as _positive
from ganlab.widgets.render import Shown, lecture_style

__all__ = ["DataSketch"]


class DataSketch(Shown):
    """A plane to draw 2D data on: strokes of points become a mixture of small Gaussians.

    ``limits``: ``(x0, x1, y0, y1)`` of the plane (default ±3 both ways); ``scale``: the standard
    deviation of each Gaussian (default 0.08); ``spacing``: the distance between consecutive
    points of a stroke (default 2 · scale). Attributes: ``points`` ``(n, 2)``, ``strokes`` (a
    list of ``(m, 2)`` arrays), ``widget`` (display it), ``figure``.
    """

    def __init__(self, limits=(-3.0, 3.0, -3.0, 3.0), scale: float = 0.08,
                 spacing: float | None = None, *, dpi: int = 72):
        try:
            x0, x1, y0, y1 = (float(v) for v in limits)
        except (TypeError, ValueError):
            raise ValueError(f"limits must be four numbers (x0, x1, y0, y1), got {limits!r}") \
                from None
        if not (np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1):
            raise ValueError(f"limits need x0 < x1 and y0 < y1, finite, got {limits!r}")
        self.limits = (x0, x1, y0, y1)
        self.scale = _positive("scale", scale)
        self.spacing = 2.0 * self.scale if spacing is None else _positive("spacing", spacing)
        self.strokes: list[np.ndarray] = []
        self._stroke: list[np.ndarray] | None = None
        self._build(dpi)

    # ---- data -----------------------------------------------------------------------------

    @property
    def points(self) -> np.ndarray:
        """Every drawn point, ``(n, 2)``."""
        return np.concatenate(self.strokes) if self.strokes else np.zeros((0, 2))

    def distribution(self) -> dist.Mixture:
        """The drawn data: equal-weight isotropic Gaussians of std ``scale`` at ``points``."""
        if not self.strokes:
            raise ValueError("nothing drawn yet: drag the mouse over the plane (or call "
                             "add_stroke) before asking for the distribution")
        return dist.blobs(self.points, self.scale)

    def add_stroke(self, points) -> None:
        """Draw a stroke through ``points`` ``(m, 2)`` (m >= 1), resampled every ``spacing``;
        points outside the plane raise ``ValueError``."""
        pts = np.asarray(points, np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 1 or not np.isfinite(pts).all():
            raise ValueError(f"a stroke is an (m, 2) array of finite points, m >= 1; got shape "
                             f"{pts.shape}")
        x0, x1, y0, y1 = self.limits
        if not ((pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0)
                & (pts[:, 1] <= y1)).all():
            raise ValueError(f"stroke points must lie on the plane {self.limits}")
        self._stroke = [pts[0]]
        for p in pts[1:]:
            self._extend(p)
        self._finish()

    def undo(self) -> None:
        """Remove the last stroke."""
        if self.strokes:
            self.strokes.pop()
        self._redraw()

    def clear(self) -> None:
        """Remove every stroke."""
        self.strokes.clear()
        self._redraw()

    # ---- mouse ----------------------------------------------------------------------------

    def _on_press(self, event) -> None:
        if self._stroke is not None:  # released outside the canvas: keep that stroke
            self._finish()
        if event.inaxes is self._ax and event.xdata is not None:
            self._stroke = [np.array([event.xdata, event.ydata])]
            self._redraw()

    def _on_move(self, event) -> None:
        if self._stroke is not None and event.inaxes is self._ax and event.xdata is not None:
            if self._extend(np.array([event.xdata, event.ydata])):
                self._redraw()

    def _on_release(self, event) -> None:
        if self._stroke is not None:
            self._finish()

    def _extend(self, p: np.ndarray) -> bool:
        """Add points from the stroke's last one towards ``p``, one every ``spacing``."""
        last = self._stroke[-1]
        gap = float(np.linalg.norm(p - last))
        n = int(np.floor(gap / self.spacing + 1e-9))  # 1.0 / 0.2 is 5, not 4.999…
        for i in range(1, n + 1):
            self._stroke.append(last + (p - last) * (i * self.spacing / gap))
        return n > 0

    def _finish(self) -> None:
        self.strokes.append(np.array(self._stroke))
        self._stroke = None
        self._redraw()

    # ---- drawing --------------------------------------------------------------------------

    def _build(self, dpi: int) -> None:
        from ipympl.backend_nbagg import new_figure_manager_given_figure

        with lecture_style():
            self.figure = Figure(figsize=(5.0, 5.0), dpi=dpi, layout="constrained")
            ax = self.figure.add_subplot()
            ax.set(xlim=self.limits[:2], ylim=self.limits[2:], aspect="equal",
                   title="drag to draw data")
            ax.grid(True, alpha=0.3)
            (self._dots,) = ax.plot([], [], "o", markersize=4,
                                    color=plots.STYLE["p_data"]["color"])
        self._ax = ax
        with warnings.catch_warnings():  # ipympl's toolbar trips a traitlets deprecation
            warnings.simplefilter("ignore", DeprecationWarning)
            manager = new_figure_manager_given_figure(id(self), self.figure)
        canvas = manager.canvas
        canvas.header_visible = canvas.footer_visible = canvas.toolbar_visible = False
        canvas.resizable = False
        for name, handler in (("button_press_event", self._on_press),
                              ("motion_notify_event", self._on_move),
                              ("button_release_event", self._on_release)):
            canvas.mpl_connect(name, handler)
        self.canvas = canvas
        self.count = widgets.HTML()
        undo = widgets.Button(description="undo", icon="undo")
        undo.on_click(lambda _: self.undo())
        clear = widgets.Button(description="clear", icon="trash")
        clear.on_click(lambda _: self.clear())
        self.widget = widgets.VBox([canvas, widgets.HBox([undo, clear, self.count])])
        self._redraw()

    def _redraw(self) -> None:
        pts = [self.points] + ([np.array(self._stroke)] if self._stroke else [])
        xy = np.concatenate(pts)
        self._dots.set_data(xy[:, 0], xy[:, 1])
        self.count.value = f"{len(xy)} points, σ = {self.scale:g}"
        self.canvas.draw_idle()

    def __repr__(self) -> str:
        return f"DataSketch({len(self.strokes)} strokes, {len(self.points)} points)"
