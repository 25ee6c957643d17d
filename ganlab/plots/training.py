"""Figures of a GAN while it trains (notebooks 03, 05 and 07): one moment of a 1D GAN in the
style of Goodfellow et al.'s Fig. 1, the losses and the JSD over the steps, G's gradient under
the two generator losses, the two half-steps of Algorithm 1 as a diagram, and what each
half-step changes. Same palette and styles as :mod:`ganlab.plots.core`.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from ganlab.plots.core import PALETTE, STYLE, _axes
from ganlab.plots.diagrams import _arrow, _box

__all__ = ["plot_gan_moment", "plot_training_progress", "plot_generator_gradients",
           "plot_jsd_curves", "plot_update_steps", "plot_half_steps"]


def plot_gan_moment(xs, p_data, p_g, d, d_star, z=None, x_of_z=None, *, ax=None, title=None):
    """One panel of Goodfellow et al.'s Fig. 1, drawn from a real training run.

    Above the x axis: p_data (dotted), p_G (solid), the learned D (dashed) and the exact
    D* = p_data / (p_data + p_G) (dash-dotted), densities and probabilities sharing one y axis
    as in the paper. ``p_data`` and ``p_g`` are ganlab distributions or arrays on ``xs``;
    ``d`` and ``d_star`` are arrays on ``xs`` (either may be None). Below the axis: the map
    x = G(z), one line per noise value, from a z line (the noise values ``z`` ``(n,)``,
    placed evenly across the panel by rank, so equally likely z values sit equally far apart)
    up to the x line at ``x_of_z`` ``(n,)``. Where the lines crowd together, p_G is high.
    Returns the axes.
    """
    ax = _axes(ax, figsize=(6, 4.5))
    xs = np.asarray(xs)
    low, high = float(xs[0]), float(xs[-1])
    y_x, y_z = -0.1, -0.5  # heights of the x line and of the z line
    if z is not None and x_of_z is not None:
        z = np.asarray(z).reshape(-1)
        x_of_z = np.asarray(x_of_z).reshape(-1)
        order = np.argsort(z)
        margin = 0.06 * (high - low)
        starts = np.linspace(low + margin, high - margin, z.size)
        ends = np.clip(x_of_z[order], low, high)
        for start, end in zip(starts, ends):
            ax.annotate("", xy=(end, y_x), xytext=(start, y_z),
                        arrowprops=dict(arrowstyle="->", color=STYLE["p_g"]["color"], lw=1.2,
                                        alpha=0.7, shrinkA=0, shrinkB=0))
        for y, name in ((y_x, "x"), (y_z, "z")):
            ax.plot([low, high], [y, y], color="0.4", linewidth=1.5)
            ax.text(-0.015, y, f"${name}$", color="0.2", fontsize=15, ha="right", va="center",
                    transform=ax.get_yaxis_transform())
    for key, p in (("p_data", p_data), ("p_g", p_g)):
        if p is not None:
            ax.plot(xs, np.asarray(p.prob(xs) if hasattr(p, "prob") else p), **STYLE[key])
    if d_star is not None:
        ax.plot(xs, np.asarray(d_star), **STYLE["d_star"])
    if d is not None:
        ax.plot(xs, np.asarray(d), **STYLE["d"])
    ax.axhline(0.5, **STYLE["half"])
    ax.set_xlim(low, high)
    ax.set_ylim(y_z - 0.08 if z is not None else -0.03, 1.05)
    ax.set_yticks([0.0, 0.5, 1.0])
    ax.set_xlabel("x")
    ax.set_ylabel("density  /  D(x)")
    if title:
        ax.set_title(title)
    return ax


def _running_mean(values, window: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    window = max(1, min(int(window), values.size))
    cumsum = np.concatenate([[0.0], np.cumsum(values)])
    out = np.empty_like(values)
    head = np.arange(1, window)
    out[: window - 1] = cumsum[head] / head  # shorter windows at the start
    out[window - 1:] = (cumsum[window:] - cumsum[:-window]) / window
    return out


def plot_training_progress(jsd_steps, jsd, d_loss, g_loss, *, g_equilibrium=math.log(2.0),
                           g_equilibrium_label=r"$\log 2$", window: int = 50, marks=(),
                           axes=None):
    """A GAN's training in three panels: JSD, the value V, and both losses, over the steps.

    Left: JSD(p_data ‖ p_G) in nats at ``jsd_steps`` (log y axis), with ``marks`` (steps) as
    vertical lines. Middle: the minibatch estimate V̂ = −(D's loss) per step (faint) and its
    running mean over ``window`` steps, under the exact max_D V = −log 4 + 2 JSD at
    ``jsd_steps`` and the line −log 4 (V at the equilibrium). Right: running means of D's
    loss (D's colour; 2 log 2 at the equilibrium) and G's loss (p_G's colour;
    ``g_equilibrium`` at the equilibrium, labelled ``g_equilibrium_label``: log 2 for the
    non-saturating loss, −log 2 for the minimax one). ``d_loss`` and ``g_loss``: one value per
    step 1, 2, … Returns the 3 axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    left, middle, right = axes
    jsd_steps = np.asarray(jsd_steps)
    jsd = np.asarray(jsd, dtype=np.float64)
    d_loss = np.asarray(d_loss, dtype=np.float64)
    steps = np.arange(1, d_loss.size + 1)
    log4 = math.log(4.0)

    left.plot(jsd_steps, np.maximum(jsd, 1e-5), marker="o", markersize=5, **STYLE["jsd"])
    for s in marks:
        left.axvline(s, color="0.7", linewidth=1.0, zorder=0)
    left.set_yscale("log")
    left.set_xlabel("training step")
    left.set_ylabel("nats")
    left.legend(loc="upper right")

    middle.plot(steps, -d_loss, color=STYLE["d"]["color"], linewidth=0.8, alpha=0.25)
    middle.plot(steps, -_running_mean(d_loss, window), color=STYLE["d"]["color"], linewidth=3.0,
                label=r"$\hat V$ on the minibatches")
    middle.plot(jsd_steps, -log4 + 2.0 * jsd, color=STYLE["d_star"]["color"], linestyle="-.",
                linewidth=2.5, marker="o", markersize=4,
                label=r"$\max_D V = -\log 4 + 2\,$JSD")
    middle.axhline(-log4, color="0.4", linestyle=":", linewidth=2.0, label=r"$-\log 4$")
    middle.set_xlabel("training step")
    middle.set_ylabel("V  (nats)")
    middle.legend(loc="upper right")

    right.plot(steps, _running_mean(d_loss, window), color=STYLE["d"]["color"], linewidth=3.0,
               label="D's loss")
    right.plot(steps, _running_mean(g_loss, window), color=STYLE["p_g"]["color"], linewidth=3.0,
               label="G's loss")
    right.axhline(log4, color=STYLE["d"]["color"], linestyle=":", linewidth=2.0,
                  label=r"$2\log 2$")
    right.axhline(g_equilibrium, color=STYLE["p_g"]["color"], linestyle=":", linewidth=2.0,
                  label=g_equilibrium_label)
    right.set_xlabel("training step")
    right.set_ylabel(f"nats (running mean of {window})")
    right.legend(loc="center right", ncol=2)
    return axes


def plot_generator_gradients(logits, *, ax=None):
    """How hard each generator loss pushes a fake, as a function of D's logit l on it.

    Draws |∂loss/∂l| on a log axis: σ(l) = D for the minimax loss log(1 − D) and
    1 − σ(l) = 1 − D for the non-saturating loss −log D; the region where D confidently rejects
    the fake (D < 0.01) is shaded. ``logits``: 1D array. Returns the axes.
    """
    ax = _axes(ax, figsize=(7, 4.2))
    logits = np.asarray(logits, dtype=np.float64)
    d = 1.0 / (1.0 + np.exp(-logits))
    ax.axvspan(float(logits.min()), math.log(0.01 / 0.99), color="0.9", zorder=0)
    ax.text(float(logits.min()) + 0.3, 0.1, "D rejects the fake\n(D < 0.01)", va="top",
            color="0.35", fontsize=12)
    ax.plot(logits, d, **STYLE["minimax"])
    ax.plot(logits, 1.0 - d, **STYLE["non_saturating"])
    ax.set_yscale("log")
    ax.set_ylim(1e-5, 5.0)
    ax.set_xlim(float(logits.min()), float(logits.max()))
    ax.set_xlabel("D's logit on a fake,  $l$  ($D = \\sigma(l)$)")
    ax.set_ylabel(r"$|\partial\,\mathrm{loss} / \partial l|$")
    ax.legend(loc="lower right")
    return ax


def plot_jsd_curves(curves: dict, *, ax=None, styles: dict | None = None,
                    xlabel="training step", floor: float = 1e-4):
    """JSD(p_data ‖ p_G) over training for several runs, on a log axis.

    ``curves`` maps a label to ``(steps, jsd)`` (1D arrays, nats); ``styles`` optionally maps
    a label to line keyword arguments (e.g. ``STYLE["minimax"]``, its label replaced). Values
    below ``floor`` are drawn at the floor. The line at log 2 is the JSD of two distributions
    that do not overlap. Returns the axes.
    """
    ax = _axes(ax, figsize=(7, 4.2))
    ax.axhline(math.log(2.0), **STYLE["half"])
    ax.annotate(r"$\log 2$", (0.0, math.log(2.0)), xycoords=("axes fraction", "data"),
                textcoords="offset points", xytext=(4, -16), color="0.4")
    for label, (steps, jsd) in curves.items():
        style = dict(linewidth=3.0)
        if styles and label in styles:
            style.update(styles[label])
        style["label"] = label
        ax.plot(np.asarray(steps), np.maximum(np.asarray(jsd, dtype=np.float64), floor),
                marker="o", markersize=4, **style)
    ax.set_yscale("log")
    ax.set_ylim(floor / 1.5, 1.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("JSD  (nats)")
    ax.legend(loc="lower left")
    return ax


def plot_update_steps():
    """Algorithm 1's two half-steps as block diagrams; returns the Figure.

    Left, the discriminator's step: real points and G's fakes (G fixed: the fakes are plain
    inputs) go into D, a binary classifier trained on the labels 1 (real) and 0 (fake). Right,
    the generator's step: G and D stacked into one network z -> G -> D -> D(G(z)); the
    gradient of G's loss flows back through D, but only G's parameters change.
    """
    fig, axes = plt.subplots(1, 2, figsize=(15, 4.6), constrained_layout=False)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.02, wspace=0.05)
    g_col, d_col, data_col = STYLE["p_g"]["color"], STYLE["d"]["color"], PALETTE["black"]
    grad_col, fixed_col = PALETTE["vermillion"], "0.55"
    for ax, title in zip(axes, ("D's step: G fixed, D learns to classify",
                                "G's step: G and D as one network, D fixed")):
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 4.6)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(title)

    left = axes[0]
    _box(left, 1.0, 3.5, 1.7, 0.7, "data x", data_col, fontsize=13)
    _box(left, 0.7, 1.3, 1.0, 0.6, "noise z", data_col, fontsize=12)
    _box(left, 2.4, 1.3, 1.3, 0.8, "G\n(fixed)", fixed_col, fontsize=13)
    _box(left, 5.0, 2.4, 1.5, 1.1, "D\n(trained)", d_col, fontsize=13)
    _box(left, 8.2, 2.4, 3.0, 1.5, "label 1 for real,\n0 for fake:\nD's loss = −V̂", d_col,
         fontsize=12)
    _arrow(left, (1.2, 1.3), (1.75, 1.3))
    _arrow(left, (1.9, 3.5), (4.25, 2.7))
    _arrow(left, (3.05, 1.3), (4.25, 2.1))
    _arrow(left, (5.75, 2.4), (6.7, 2.4))
    for x, y, text in ((3.0, 3.3, "real x"), (3.0, 2.0, "fake G(z)"), (6.2, 2.6, "D(x)")):
        left.text(x, y, text, ha="center", va="bottom", fontsize=12)
    _arrow(left, (7.4, 1.55), (5.3, 1.8), grad_col, rad=-0.3, dashed=True)
    left.text(6.6, 0.55, "gradient: updates D only", ha="center", fontsize=12, color=grad_col)

    right = axes[1]
    right.add_patch(plt.Rectangle((1.55, 1.25), 5.4, 2.3, fill=False, linestyle="--",
                                  linewidth=2, edgecolor="0.3"))
    right.text(4.25, 3.75, "one network:  z  →  D(G(z))", ha="center", fontsize=13)
    _box(right, 0.7, 2.4, 1.0, 0.6, "noise z", data_col, fontsize=12)
    _box(right, 2.9, 2.4, 1.5, 1.1, "G\n(trained)", g_col, fontsize=13)
    _box(right, 5.7, 2.4, 1.5, 1.1, "D\n(fixed)", fixed_col, fontsize=13)
    _box(right, 8.6, 2.4, 2.4, 1.5, "G's loss:\nD(G(z)) should\nbe 1 (\"real\")", g_col,
         fontsize=12)
    _arrow(right, (1.2, 2.4), (2.15, 2.4))
    _arrow(right, (3.65, 2.4), (4.95, 2.4))
    right.text(4.3, 2.5, "G(z)", ha="center", va="bottom", fontsize=12)
    _arrow(right, (6.45, 2.4), (7.4, 2.4))
    _arrow(right, (8.4, 1.6), (3.2, 1.7), grad_col, rad=-0.25, dashed=True)
    right.text(5.3, 0.25, "gradient flows back through D, updates G only", ha="center",
               fontsize=12, color=grad_col)
    return fig


def plot_half_steps(labels, d_of_fakes, jsd, *, axes=None):
    """What each half-step of training changes, for several runs (seeds).

    ``labels``: one name per moment (e.g. "G v1 · D v1"); ``d_of_fakes`` and ``jsd``:
    ``(n_runs, n_moments)``, the mean D(G(z)) on a fixed batch of noise and JSD(p_data ‖ p_G)
    in nats at each moment. One thin line per run, their mean thick; a D half-step can only
    change the left panel, a G half-step both. Returns the 2 axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(14, 4.2))
    x = np.arange(len(labels))
    for ax, values, colour, ylabel in (
            (axes[0], d_of_fakes, STYLE["d"]["color"], "mean D(G(z))"),
            (axes[1], jsd, STYLE["jsd"]["color"], "JSD  (nats)")):
        values = np.asarray(values, dtype=np.float64)
        for row in values:
            ax.plot(x, row, color=colour, linewidth=1.2, alpha=0.45, marker="o", markersize=4)
        ax.plot(x, values.mean(axis=0), color=colour, linewidth=3.0, marker="o", markersize=7,
                label=f"mean of {values.shape[0]} seeds")
        ax.set_xticks(x, labels, rotation=20, ha="right")
        ax.set_ylabel(ylabel)
        ax.legend(loc="best")
    axes[0].set_ylim(0.0, 1.0)
    axes[0].axhline(0.5, **STYLE["half"])
    axes[1].set_ylim(0.0, math.log(2.0) * 1.05)
    return axes
