"""Matplotlib figures for a lecture hall: large fonts, thick lines, one colourblind-safe palette.

p_data, p_G, the learned D and the exact D* always have the same colour and line style
(:data:`STYLE`), in every notebook and widget. Functions draw on an ``ax`` they are given, or
make a new figure, and return what they drew; nothing here keeps global state except
:func:`use_lecture_style`, which a notebook calls once.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "PALETTE",
    "STYLE",
    "use_lecture_style",
    "plot_densities",
    "plot_discriminator",
    "f_of_d",
    "plot_f_of_d",
    "format_nats",
]

# Okabe-Ito colours (safe for the common colour-vision deficiencies).
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

# One look per quantity, used everywhere.
STYLE = {
    "p_data": dict(color=PALETTE["black"], linestyle=":", linewidth=3.0, label=r"$p_{data}$"),
    "p_g": dict(color=PALETTE["green"], linestyle="-", linewidth=3.0, label=r"$p_G$"),
    "d": dict(color=PALETTE["blue"], linestyle="--", linewidth=3.0, label=r"learned $D$"),
    "d_star": dict(color=PALETTE["vermillion"], linestyle="-.", linewidth=3.0, label=r"exact $D^*$"),
    "half": dict(color="0.5", linestyle="-", linewidth=1.2),
    "fill_data": dict(color=PALETTE["black"], alpha=0.08),
    "fill_g": dict(color=PALETTE["green"], alpha=0.15),
}

_RC = {
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 14,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "lines.linewidth": 3.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.constrained_layout.use": True,
}


def use_lecture_style() -> None:
    """Large fonts, thick lines, modest DPI (small notebooks, readable from the back row)."""
    mpl.rcParams.update(_RC)


def _axes(ax, figsize=(8, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_densities(xs, p_data=None, p_g=None, *, ax=None, fill=True):
    """Draw the densities of ``p_data`` and ``p_g`` (ganlab distributions or arrays on ``xs``).

    Returns the axes. y is density (1/unit of x).
    """
    ax = _axes(ax)
    xs = np.asarray(xs)
    for key, fill_key, p in (("p_data", "fill_data", p_data), ("p_g", "fill_g", p_g)):
        if p is None:
            continue
        y = np.asarray(p.prob(xs) if hasattr(p, "prob") else p)
        ax.plot(xs, y, **STYLE[key])
        if fill:
            ax.fill_between(xs, y, **STYLE[fill_key])
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    return ax


def plot_discriminator(xs, d_star=None, d=None, *, ax=None, half_line=True):
    """Draw D*(x) and/or a learned D(x) on a 0–1 axis with the 1/2 line. Returns the axes."""
    ax = _axes(ax)
    xs = np.asarray(xs)
    if half_line:
        ax.axhline(0.5, **STYLE["half"])
    if d_star is not None:
        ax.plot(xs, np.asarray(d_star), **STYLE["d_star"])
    if d is not None:
        ax.plot(xs, np.asarray(d), **STYLE["d"])
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("D(x)  (probability real)")
    ax.set_xlabel("x")
    return ax


def f_of_d(a: float, b: float, d):
    """f(D) = a log D + b log(1 − D), the integrand of V at one point x (a = p_data, b = p_G)."""
    d = np.asarray(d, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return a * np.log(d) + b * np.log1p(-d)


def plot_f_of_d(a: float, b: float, *, ax=None, n: int = 400, color=None, label=None):
    """Draw f(D) = a log D + b log(1 − D) on (0, 1) with its maximum at D = a/(a + b) marked."""
    ax = _axes(ax, figsize=(6, 4))
    d = np.linspace(1e-3, 1 - 1e-3, n)
    color = color or STYLE["d_star"]["color"]
    ax.plot(d, f_of_d(a, b, d), color=color, linewidth=3.0,
            label=label or f"a={a:.2g}, b={b:.2g}")
    if a + b > 0:
        best = a / (a + b)
        ax.plot([best], [f_of_d(a, b, min(max(best, 1e-3), 1 - 1e-3))], "o",
                color=color, markersize=10, markeredgecolor="black")
        ax.axvline(best, color=color, linestyle=":", linewidth=1.5)
    ax.set_xlabel("D")
    ax.set_ylabel(r"$f(D) = a\,\log D + b\,\log(1-D)$")
    ax.set_xlim(0, 1)
    return ax


def format_nats(value: float, digits: int = 4) -> str:
    """A divergence for a readout: ``'∞'`` for infinity, else rounded nats."""
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if math.isnan(value):
        return "undefined"
    return f"{value:.{digits}f}"
