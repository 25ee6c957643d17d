"""The lecture style (palette, line styles, fonts) and the 1D figures of notebooks 03 and 04.

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
    "plot_likelihood_and_kl",
    "plot_sample_histogram",
    "plot_samples_2d",
    "plot_dstar_pairs",
    "plot_value_along_path",
    "plot_divergence_vs_shift",
    "plot_divergence_landscape",
    "plot_gaussian_fits",
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
    # Divergences between p_data and p_G, when drawn as curves.
    "kl": dict(color=PALETTE["orange"], linestyle="-", linewidth=3.0,
               label=r"KL$(p_{data}\,\|\,p_G)$"),
    "reverse_kl": dict(color=PALETTE["sky"], linestyle="--", linewidth=3.0,
                       label=r"KL$(p_G\,\|\,p_{data})$"),
    "jsd": dict(color=PALETTE["purple"], linestyle="-", linewidth=3.0,
                label=r"JSD$(p_{data}\,\|\,p_G)$"),
    # The two generator losses of the original GAN, when compared.
    "minimax": dict(color=PALETTE["orange"], linestyle="-", linewidth=3.0,
                    label=r"minimax: $\log(1 - D(G(z)))$"),
    "non_saturating": dict(color=PALETTE["sky"], linestyle="--", linewidth=3.0,
                           label=r"non-saturating: $-\log D(G(z))$"),
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


# --- Figures of notebook 04: from maximum likelihood (KL) to the Jensen-Shannon divergence ---


def _style(key: str, label=None) -> dict:
    """A copy of ``STYLE[key]``, with its label replaced when one is given."""
    out = dict(STYLE[key])
    if label is not None:
        out["label"] = label
    return out


def plot_likelihood_and_kl(steps, avg_log_lik, kl, neg_entropy, *, axes=None):
    """Maximum likelihood as KL minimisation, over the steps of a fit. Returns the two axes.

    Left: the average log-likelihood of the data samples under p_G (p_G's colour) next to the
    exact −H(p_data) − KL(p_data ‖ p_G) (KL's colour, dashed), both in nats, with −H(p_data)
    (their value at KL = 0) as a grey line. Right: KL(p_data ‖ p_G) in nats. ``steps``,
    ``avg_log_lik`` and ``kl`` are 1D arrays of one length; ``neg_entropy`` is a number.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    left, right = axes
    steps = np.asarray(steps)
    kl = np.asarray(kl, dtype=np.float64)
    left.plot(steps, np.asarray(avg_log_lik), **_style("p_g", r"avg. log-likelihood of samples"))
    left.plot(steps, neg_entropy - kl, color=STYLE["kl"]["color"], linestyle="--", linewidth=3.0,
              label=r"$-H(p_{data}) - $KL (exact)")
    left.axhline(neg_entropy, **STYLE["half"], label=r"$-H(p_{data})$, where KL = 0")
    left.set_xlabel("fitting step")
    left.set_ylabel("nats")
    left.legend(loc="lower right")
    right.plot(steps, kl, **STYLE["kl"])
    right.set_xlabel("fitting step")
    right.set_ylabel("nats")
    right.set_ylim(bottom=0)
    right.legend(loc="upper right")
    return axes


def plot_sample_histogram(samples, xs=None, density=None, *, ax=None, bins: int = 60,
                          label=r"histogram of $G(z)$"):
    """Histogram of 1D samples of p_G (p_G's fill), optionally with a density curve on ``xs``.

    ``samples`` has shape ``(n,)`` or ``(n, 1)``. The histogram is normalised as a density, so
    it and ``density`` share the y axis (1/unit of x). Returns the axes.
    """
    ax = _axes(ax)
    samples = np.asarray(samples).reshape(-1)
    heights, _, _ = ax.hist(samples, bins=bins, density=True, color=STYLE["fill_g"]["color"],
                            alpha=0.35, label=label)
    top = float(np.max(heights))
    if density is not None:
        ax.plot(np.asarray(xs), np.asarray(density),
                **_style("p_g", r"$p_G(x)$ by change of variables"))
        top = max(top, float(np.max(np.asarray(density))))
    ax.set_ylim(0, 1.35 * top)  # room for the legend above the curve
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.legend(loc="upper right")
    return ax


def plot_samples_2d(samples, *, data=None, ax=None):
    """Scatter 2D samples of p_G (green) and, optionally, data points (black). Returns the axes.

    ``samples`` and ``data`` have shape ``(n, 2)``; both axes use the same scale.
    """
    ax = _axes(ax, figsize=(5, 5))
    if data is not None:
        data = np.asarray(data)
        ax.scatter(data[:, 0], data[:, 1], s=14, color=STYLE["p_data"]["color"], alpha=0.6,
                   label=r"data $x \sim p_{data}$")
    samples = np.asarray(samples)
    ax.scatter(samples[:, 0], samples[:, 1], s=6, color=STYLE["p_g"]["color"], alpha=0.5,
               label=r"$G(z)$, $z \sim p_{prior}$")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    ax.legend(loc="upper left", markerscale=2)
    return ax


def plot_dstar_pairs(xs, p_data, generators: dict, *, axes=None):
    """One column per generator: p_data and p_G on top, the exact D*(x) below on a 0–1 axis.

    ``generators`` maps a title (e.g. ``"$G_1$"``) to a 1D ganlab distribution. D* is
    :func:`ganlab.divergences.optimal_discriminator` on ``xs``. Returns the ``(2, n)`` axes.
    """
    from ganlab import divergences as div

    n = len(generators)
    if axes is None:
        _, axes = plt.subplots(2, n, figsize=(5.5 * n, 5.8), sharex=True, squeeze=False,
                               gridspec_kw=dict(height_ratios=[1.2, 1]))
    xs_np = np.asarray(xs)
    for col, (title, p_g) in enumerate(generators.items()):
        top, bottom = axes[0, col], axes[1, col]
        plot_densities(xs_np, p_data, p_g, ax=top)
        top.set_title(title)
        top.set_xlabel("")
        top.legend(loc="upper right")
        d_star = div.optimal_discriminator(p_data, p_g, xs)
        plot_discriminator(xs_np, d_star=d_star, ax=bottom)
        bottom.legend(loc="center right")
    return axes


def plot_value_along_path(eps, values, v_star, *, ax=None, xlabel=r"$\varepsilon$"):
    """V(G, D_ε) along a path of discriminators with D_0 = D*, and the line at max_D V.

    ``eps`` and ``values`` are 1D arrays (values in nats); ``v_star`` is V(G, D*) =
    −2 log 2 + 2 JSD. Returns the axes.
    """
    ax = _axes(ax, figsize=(7, 4))
    ax.plot(np.asarray(eps), np.asarray(values), color=STYLE["d"]["color"], linewidth=3.0,
            label=r"$V(G, D_\varepsilon)$")
    ax.axhline(v_star, color=STYLE["d_star"]["color"], linestyle="-.", linewidth=2.0,
               label=r"$-2\log 2 + 2\,$JSD")
    ax.plot([0.0], [v_star], "o", color=STYLE["d_star"]["color"], markersize=10,
            markeredgecolor="black", label=r"$D_0 = D^*$")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("V  (nats)")
    ax.legend(loc="lower center")
    return ax


def plot_divergence_vs_shift(shifts, jsd, kl, *, axes=None, xlabel="shift of $p_G$'s mean"):
    """JSD (left, with its ceiling log 2) and KL (right) as p_G slides away from p_data.

    ``shifts``, ``jsd`` and ``kl`` are 1D arrays of one length (divergences in nats). Returns the
    two axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    left, right = axes
    shifts = np.asarray(shifts)
    left.axhline(math.log(2.0), **STYLE["half"])
    left.annotate(r"$\log 2$", (shifts[0], math.log(2.0)), textcoords="offset points",
                  xytext=(4, 6), color="0.4")
    left.plot(shifts, np.asarray(jsd), **STYLE["jsd"])
    left.set_ylim(-0.02, 0.8)
    right.plot(shifts, np.asarray(kl), **STYLE["kl"])
    for ax in axes:
        ax.set_xlabel(xlabel)
        ax.set_ylabel("nats")
        ax.legend(loc="lower right" if ax is left else "upper left")
    return axes


def plot_divergence_landscape(mus, sigmas, values, *, best=None, ax=None, title=None,
                              levels: int = 14):
    """Filled contours of a divergence over a (μ, σ) grid of Gaussians, minimum marked.

    ``values`` has shape ``(len(sigmas), len(mus))`` (nats); colours follow log(1 + value), so
    both a steep and a flat region stay readable. ``best`` is the (μ, σ) to mark. Returns the
    axes.
    """
    ax = _axes(ax, figsize=(5, 4))
    z = np.log1p(np.clip(np.asarray(values, dtype=np.float64), 0.0, None))
    ax.contourf(np.asarray(mus), np.asarray(sigmas), z, levels=levels, cmap="Greys_r")
    if best is not None:
        ax.plot([best[0]], [best[1]], "*", color=STYLE["p_g"]["color"], markersize=20,
                markeredgecolor="white")
    ax.set_xlabel(r"$\mu$ of $p_G$")
    ax.set_ylabel(r"$\sigma$ of $p_G$")
    if title:
        ax.set_title(title)
    return ax


def plot_gaussian_fits(xs, p_data, fits: dict, *, landscapes=None, mus=None, sigmas=None):
    """Fits of one Gaussian p_G to p_data under several divergences, one column each.

    ``fits`` maps a title to the fitted :class:`ganlab.distributions.Normal`. With
    ``landscapes`` (a dict of the same keys to ``(len(sigmas), len(mus))`` arrays), a top row
    shows each divergence over the (μ, σ) grid with the fit marked (see
    :func:`plot_divergence_landscape`); the bottom row draws p_data and the fit. Returns the
    Figure.
    """
    n = len(fits)
    rows = 2 if landscapes is not None else 1
    fig, axes = plt.subplots(rows, n, figsize=(4.6 * n, 3.7 * rows), squeeze=False)
    xs_np = np.asarray(xs)
    for col, (title, p_g) in enumerate(fits.items()):
        if landscapes is not None:
            plot_divergence_landscape(mus, sigmas, landscapes[title], ax=axes[0, col],
                                      best=(p_g.loc, p_g.scale), title=title)
        ax = axes[-1, col]
        plot_densities(xs_np, p_data, p_g, ax=ax)
        ax.set_title(rf"$\mu$ = {p_g.loc:g}, $\sigma$ = {p_g.scale:g}")
        if col == 0:
            ax.legend(loc="upper left")
    return fig


# --- Figures of notebook 03: the GAN game and Algorithm 1 ---
