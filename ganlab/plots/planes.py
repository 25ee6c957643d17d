"""2D GAN views: the discriminator as a heat map over the plane, real and fake points, the
gradient arrows ∇ₓD at the fakes and the generator's warped noise grid.

Built once with :func:`draw_plane`, then updated in place with :func:`update_plane` (the live
trainer redraws them many times a second). Colours: D's heat map runs from purple (D = 0, "fake")
through white (D = 1/2) to green (D = 1, "real"); data points black, generator samples in p_G's
green with a dark edge, arrows in D's blue, the warped grid in grey.

Shapes: ``d_plane`` ``(n, n)`` (row ``i`` at the ``i``-th y from the bottom), points ``(m, 2)``,
arrows: positions and vectors ``(a, 2)``, grid lines ``(lines, points per line, 2)``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ganlab.plots.core import PALETTE, STYLE

__all__ = ["plane_points", "draw_plane", "update_plane"]

D_COLORMAP = "PRGn"
"""Purple (D = 0: looks fake) – white (1/2) – green (D = 1: looks real)."""


def plane_points(limits: tuple[float, float, float, float], n: int) -> np.ndarray:
    """An ``n × n`` grid over ``(x_low, x_high, y_low, y_high)`` as ``(n·n, 2)`` float32 points,
    row by row from the bottom (reshape D's values to ``(n, n)`` for :func:`update_plane`)."""
    x0, x1, y0, y1 = (float(v) for v in limits)
    if not (x1 > x0 and y1 > y0) or int(n) < 2:
        raise ValueError(f"limits must be (x_low, x_high, y_low, y_high) with low < high and "
                         f"n >= 2, got {limits!r}, n={n!r}")
    xs, ys = np.linspace(x0, x1, int(n)), np.linspace(y0, y1, int(n))
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def _quiver(ax, at, vectors, animated: bool = False):
    """Arrows from ``at`` ``(a, 2)`` by ``vectors`` ``(a, 2)``, in data units."""
    return ax.quiver(at[:, 0], at[:, 1], vectors[:, 0], vectors[:, 1], color=PALETTE["blue"],
                     angles="xy", scale_units="xy", scale=1.0, width=0.004, zorder=4,
                     animated=animated)


def draw_plane(ax, limits, *, d_range=(0.0, 1.0), n_grid: int = 60, colorbar: bool = False):
    """Set up the 2D view on ``ax`` with empty data; returns its artists by name.

    ``"heat"`` (D over the plane), ``"real"``, ``"fake"`` (scatters), ``"arrows"`` (a quiver,
    filled by :func:`update_plane`), ``"manifold"`` (the warped noise grid). ``d_range``: the
    heat map's colour scale (0–1 for probabilities).
    """
    x0, x1, y0, y1 = (float(v) for v in limits)
    heat = ax.imshow(np.full((n_grid, n_grid), 0.5), origin="lower", extent=(x0, x1, y0, y1),
                     cmap=D_COLORMAP, vmin=d_range[0], vmax=d_range[1], alpha=0.75,
                     interpolation="bilinear", aspect="auto", zorder=0)
    manifold = LineCollection([], colors="0.45", linewidths=0.8, zorder=1)
    ax.add_collection(manifold)
    real = ax.scatter([], [], s=10, color=STYLE["p_data"]["color"], zorder=2, label="data")
    fake = ax.scatter([], [], s=14, color=STYLE["p_g"]["color"], edgecolors="#0b3d2e",
                      linewidths=0.4, zorder=3, label="G(z)")
    arrows = _quiver(ax, np.zeros((1, 2)), np.zeros((1, 2)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    if colorbar:
        ax.figure.colorbar(heat, ax=ax, shrink=0.8, label="D(x)")
    return {"heat": heat, "manifold": manifold, "real": real, "fake": fake, "arrows": arrows}


def update_plane(artists: dict, *, d_plane=None, real=None, fake=None, arrow_at=None,
                 arrow_vectors=None, lines=None) -> None:
    """Put new numbers into the artists of :func:`draw_plane` (``None`` leaves one as it is).

    ``arrow_vectors`` are drawn as given, in data units (scale them before).
    """
    if d_plane is not None:
        artists["heat"].set_data(np.asarray(d_plane))
    if real is not None:
        artists["real"].set_offsets(np.asarray(real))
    if fake is not None:
        artists["fake"].set_offsets(np.asarray(fake))
    if arrow_at is not None:
        at, vec = np.asarray(arrow_at), np.asarray(arrow_vectors)
        quiver = artists["arrows"]
        if quiver.N != len(at):  # a quiver's arrow count is fixed: make a new one in place
            ax, animated = quiver.axes, quiver.get_animated()
            quiver.remove()
            artists["arrows"] = _quiver(ax, at, vec, animated=animated)
        else:
            quiver.set_offsets(at)
            quiver.set_UVC(vec[:, 0], vec[:, 1])
    if lines is not None:
        artists["manifold"].set_segments(list(np.asarray(lines)))
