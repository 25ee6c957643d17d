"""Figures of an auto-encoder's code space: codes coloured by digit, reconstructions, the decoded
latent manifold and interpolations.

Images are ``(n, h, w, c)`` arrays in [0, 1]; codes ``(n, 2)``; ``decode`` is any function from
codes ``(k, 2)`` to images ``(k, h, w, c)`` (e.g. ``AERun.decode``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ganlab.plots.images import plot_image_grid

__all__ = ["DIGIT_COLOURS", "plot_codes", "plot_reconstructions", "latent_grid",
           "plot_latent_manifold", "interpolate", "plot_interpolation"]

DIGIT_COLOURS = plt.get_cmap("tab10").colors
"""One colour per digit 0–9, the same in every code-space figure and widget."""


def plot_codes(codes, labels, *, ax=None, title=None, size: float = 10.0, legend: bool = True):
    """Scatter 2D codes ``(n, 2)`` coloured by their digit ``labels`` ``(n,)``; returns ax."""
    codes, labels = np.asarray(codes), np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2 or labels.shape != (codes.shape[0],):
        raise ValueError(f"codes must be (n, 2) and labels (n,), got {codes.shape} and "
                         f"{labels.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    for digit in np.unique(labels):
        pts = codes[labels == digit]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, color=DIGIT_COLOURS[int(digit) % 10],
                   label=str(int(digit)), alpha=0.8, linewidths=0)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    if legend:
        ax.legend(title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=11,
                  markerscale=2.5, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_reconstructions(originals, reconstructions, *, axes=None, title=None):
    """Originals on the top row, their reconstructions below; returns the two axes."""
    originals, reconstructions = np.asarray(originals), np.asarray(reconstructions)
    if originals.shape != reconstructions.shape:
        raise ValueError(f"originals {originals.shape} and reconstructions "
                         f"{reconstructions.shape} must have the same shape")
    if axes is None:
        n = len(originals)
        _, axes = plt.subplots(2, 1, figsize=(min(12.0, 0.8 * n + 1), 2.6))
    plot_image_grid(originals, ncols=len(originals), ax=axes[0], title="input $x$")
    plot_image_grid(reconstructions, ncols=len(originals), ax=axes[1],
                    title=r"reconstruction $\hat{x}$ = decoder(encoder($x$))")
    if title:
        axes[0].figure.suptitle(title)
    return axes


def latent_grid(low: float, high: float, n: int) -> np.ndarray:
    """``n × n`` codes ``(n², 2)`` on [low, high]², row by row from the top (z₂ = high) down,
    z₁ from left to right: the order in which :func:`plot_image_grid` tiles them."""
    z1 = np.linspace(low, high, n)
    z2 = np.linspace(high, low, n)
    return np.stack(np.meshgrid(z1, z2), axis=-1).reshape(-1, 2).astype(np.float32)


def plot_latent_manifold(decode, low: float = -2.5, high: float = 2.5, n: int = 12, *,
                         ax=None, title=None):
    """Decode an ``n × n`` grid of codes on [low, high]² and tile the images; returns ax.

    The tile in row i, column j shows the code (z₁, z₂) of :func:`latent_grid`'s entry i·n + j.
    """
    images = np.asarray(decode(latent_grid(low, high, n)))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    plot_image_grid(images, ncols=n, ax=ax, title=title)
    ax.set_axis_on()
    ax.set_xticks([0, ax.get_xlim()[1]], [f"{low:g}", f"{high:g}"])
    ax.set_yticks([0, ax.get_ylim()[0]], [f"{high:g}", f"{low:g}"])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    return ax


def interpolate(z_start, z_end, n: int = 10) -> np.ndarray:
    """``n`` codes on the straight line from ``z_start`` to ``z_end`` ``(d,)`` -> ``(n, d)``."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return ((1 - t) * np.asarray(z_start, np.float32)[None]
            + t * np.asarray(z_end, np.float32)[None]).astype(np.float32)


def plot_interpolation(rows: dict, *, axes=None):
    """One row of images per entry ``{name: images (n, h, w, c)}``; returns the axes."""
    if axes is None:
        n = max(len(v) for v in rows.values())
        _, axes = plt.subplots(len(rows), 1, figsize=(min(12.0, 0.8 * n + 1), 1.3 * len(rows)),
                               squeeze=False)
        axes = axes[:, 0]
    for ax, (name, images) in zip(axes, rows.items(), strict=True):
        plot_image_grid(np.asarray(images), ncols=len(images), ax=ax, title=name)
    return axes
