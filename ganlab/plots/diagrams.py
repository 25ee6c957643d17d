"""Block diagrams of later GAN architectures, drawn with matplotlib boxes and arrows.

- :func:`plot_progressive_growing`: a generator and discriminator that grow from 4×4 to 32×32
- :func:`plot_stylegan`: mapping network z -> w, style injected at every synthesis block
- :func:`plot_cyclegan`: two domains, two generators, two discriminators, the cycle loss

Each returns the matplotlib Figure. Boxes are labelled in plain words; colours follow the
lecture palette (generator parts in the p_G colour, discriminators in the D colour).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ganlab.plots.core import PALETTE

__all__ = ["plot_progressive_growing", "plot_stylegan", "plot_cyclegan"]

_G, _D, _DATA, _OTHER = PALETTE["vermillion"], PALETTE["blue"], PALETTE["black"], PALETTE["green"]


def _box(ax, x, y, w, h, text, colour, *, fill=0.15, fontsize=11):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                facecolor=colour, alpha=fill, edgecolor=colour, linewidth=2))
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                facecolor="none", edgecolor=colour, linewidth=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, colour="black", *, text=None, style="-|>", rad=0.0, dashed=False):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=16, linewidth=1.8,
                                 color=colour, connectionstyle=f"arc3,rad={rad}",
                                 linestyle="--" if dashed else "-"))
    if text:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(mx, my + 0.18 + 0.6 * abs(rad), text, ha="center", va="bottom",
                fontsize=10, color=colour)


def _canvas(width, height, title):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title)
    return fig, ax


def plot_progressive_growing():
    """Progressive growing (Karras et al. 2018): train at 4×4, then add a layer to G and D for
    8×8, 16×16, …, fading each new layer in; returns the Figure."""
    fig, ax = _canvas(12, 4.6, "Progressive growing: both networks grow, one resolution at a time")
    sizes = (4, 8, 16, 32)
    for i, s in enumerate(sizes):
        x = 1.6 + 3.0 * i
        side = 0.35 + 0.22 * i
        _box(ax, x, 3.2, 1.9, 0.7, f"G up to {s}×{s}\n({i + 1} block{'s' if i else ''})", _G,
             fontsize=10)
        ax.add_patch(plt.Rectangle((x - side / 2, 2.0 - side / 2), side, side,
                                   facecolor="0.85", edgecolor=_DATA, linewidth=1.5))
        ax.text(x, 2.0 - side / 2 - 0.12, f"{s}×{s} image", ha="center", va="top", fontsize=10)
        _box(ax, x, 0.55, 1.9, 0.7, f"D from {s}×{s}", _D, fontsize=10)
        _arrow(ax, (x, 2.85), (x, 2.0 + side / 2 + 0.05))
        _arrow(ax, (x, 2.0 - side / 2 - 0.45), (x, 0.9))
        if i:
            _arrow(ax, (x - 2.0, 3.2), (x - 0.95, 3.2), _OTHER, text="add a layer,\nfade it in")
    return fig


def plot_stylegan():
    """StyleGAN (Karras et al. 2019): a mapping network turns z into a style w that modulates
    every synthesis block; per-pixel noise adds fine detail; returns the Figure."""
    fig, ax = _canvas(12, 5.2, "StyleGAN: a style vector steers every resolution")
    _box(ax, 1.0, 4.3, 1.2, 0.6, "z", _DATA)
    _box(ax, 3.2, 4.3, 2.4, 0.8, "mapping network\n(8 dense layers)", _G, fontsize=10)
    _box(ax, 5.6, 4.3, 1.2, 0.6, "w", _OTHER)
    _arrow(ax, (1.6, 4.3), (2.0, 4.3))
    _arrow(ax, (4.4, 4.3), (5.0, 4.3))
    _box(ax, 1.2, 1.9, 1.9, 0.8, "learned\nconstant 4×4", _DATA, fontsize=10)
    blocks = ("4×4", "8×8", "16×16", "…")
    for i, name in enumerate(blocks):
        x = 3.6 + 2.3 * i
        _box(ax, x, 1.9, 1.8, 0.8, f"synthesis\nblock {name}", _G, fontsize=10)
        _arrow(ax, (x - 2.3 + 0.95 if i else 2.15, 1.9), (x - 0.9, 1.9))
        _arrow(ax, (6.2, 4.1), (x, 2.3), _OTHER, rad=0.1, text="style" if i == 0 else None)
        _arrow(ax, (x + 0.6, 0.55), (x + 0.4, 1.5), "0.5")
        ax.text(x + 0.6, 0.4, "noise", ha="center", va="top", fontsize=9)
    _arrow(ax, (3.6 + 2.3 * 3 + 0.9, 1.9), (11.8, 1.9))
    ax.text(11.8, 2.15, "image", ha="right", va="bottom", fontsize=10)
    return fig


def plot_cyclegan():
    """CycleGAN (Zhu et al. 2017): G: X -> Y and F: Y -> X trained with two discriminators and
    a cycle-consistency loss F(G(x)) ≈ x, G(F(y)) ≈ y, without paired images; returns the
    Figure."""
    fig, ax = _canvas(11, 4.6, "CycleGAN: two generators, two critics, and a round trip")
    _box(ax, 1.5, 2.3, 2.0, 1.3, "domain X\n(e.g. horses)", _DATA)
    _box(ax, 9.5, 2.3, 2.0, 1.3, "domain Y\n(e.g. zebras)", _DATA)
    _arrow(ax, (2.6, 2.8), (8.4, 2.8), _G, rad=-0.25, text="G: X → Y")
    _arrow(ax, (8.4, 1.8), (2.6, 1.8), _G, rad=-0.25, text=None)
    ax.text(5.5, 0.75, "F: Y → X", ha="center", va="top", fontsize=10, color=_G)
    _box(ax, 9.5, 4.2, 2.2, 0.6, "D_Y: real zebra?", _D, fontsize=10)
    _box(ax, 1.5, 4.2, 2.2, 0.6, "D_X: real horse?", _D, fontsize=10)
    _arrow(ax, (9.5, 2.95), (9.5, 3.9), _D)
    _arrow(ax, (1.5, 2.95), (1.5, 3.9), _D)
    ax.text(5.5, 2.3, "cycle loss:\n‖F(G(x)) − x‖ + ‖G(F(y)) − y‖", ha="center", va="center",
            fontsize=10, color=_OTHER)
    return fig
