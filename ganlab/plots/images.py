"""Figures of images: a grid of digits (samples, reconstructions, a training progression).

Images are ``(n, h, w, c)`` arrays in [0, 1] (c = 1 or 3), as ``ganlab.datasets.load`` and
image generators return them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ganlab.validate import positive_int

__all__ = ["tile_images", "plot_image_grid", "plot_progression", "plot_nearest_real"]


def tile_images(images, ncols: int, pad: int = 1, background: float = 1.0) -> np.ndarray:
    """Images ``(n, h, w, c)`` in [0, 1] -> one ``(rows·(h+pad)−pad, ncols·(w+pad)−pad, c)``
    mosaic, row by row, ``pad`` pixels of ``background`` between tiles."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(f"images must have shape (n, h, w, c) with n >= 1, got {images.shape}")
    ncols = positive_int("ncols", ncols)
    n, h, w, c = images.shape
    ncols = min(int(ncols), n)
    nrows = -(-n // ncols)
    out = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad, c), background, np.float32)
    for i, image in enumerate(images):
        r, col = divmod(i, ncols)
        out[r * (h + pad): r * (h + pad) + h, col * (w + pad): col * (w + pad) + w] = image
    return np.clip(out, 0.0, 1.0)


def plot_image_grid(images, *, ncols: int = 10, ax=None, title: str | None = None,
                    cmap: str = "gray_r"):
    """Show images ``(n, h, w, c)`` in [0, 1] as one mosaic of ``ncols`` columns; returns ax.

    Grey images use ``cmap`` (dark ink on white paper by default, like the lecture's digits).
    """
    mosaic = tile_images(images, ncols, background=0.0 if cmap == "gray_r" else 1.0)
    if ax is None:
        rows, cols = mosaic.shape[:2]
        _, ax = plt.subplots(figsize=(min(12.0, max(2.0, cols / 8)), min(10.0, max(2.0, rows / 8))))
    if mosaic.shape[2] == 1:
        ax.imshow(mosaic[..., 0], cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(mosaic, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def _image_rows(rows: dict, labels: list[str], *, title: str | None, cmap: str,
                cell: float = 0.55):
    """One row of images per entry of ``rows`` ({name: (n, h, w, c)}), its label at the left."""
    n = max(len(v) for v in rows.values())
    fig, axes = plt.subplots(len(rows), 1, figsize=(2.0 + cell * n, 0.3 + cell * 1.15 * len(rows)),
                             squeeze=False, layout="constrained")
    for ax, images, label in zip(axes[:, 0], rows.values(), labels):
        plot_image_grid(images, ncols=n, ax=ax, cmap=cmap)
        ax.set_axis_on()
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def plot_progression(samples_by_step: dict, *, title: str | None = None, cmap: str = "gray_r"):
    """The slides' training progression: one row per training round, the same noise batch in
    every row. ``samples_by_step``: {round: images ``(n, h, w, c)`` in [0, 1]}; returns the
    Figure."""
    if not samples_by_step:
        raise ValueError("samples_by_step is empty; pass {round: images}")
    steps = sorted(samples_by_step)
    return _image_rows({s: samples_by_step[s] for s in steps},
                       [f"round {s:,}" for s in steps], title=title, cmap=cmap)


def plot_nearest_real(samples, neighbours, distances=None, *, title: str | None = None,
                      cmap: str = "gray_r"):
    """Memorisation check: generated ``samples`` ``(n, h, w, c)`` above their nearest real images
    ``neighbours`` ``(n, h, w, c)``; ``distances`` ``(n,)``, if given, are written under the
    figure. Returns the Figure."""
    samples, neighbours = np.asarray(samples), np.asarray(neighbours)
    if samples.shape != neighbours.shape:
        raise ValueError(f"samples {samples.shape} and neighbours {neighbours.shape} must have "
                         "the same shape")
    fig = _image_rows({"G": samples, "real": neighbours}, ["generated", "nearest real"],
                      title=title, cmap=cmap)
    if distances is not None:
        text = "  ".join(f"{d:.1f}" for d in np.asarray(distances))
        fig.text(0.5, 0.0, f"distances: {text}", ha="center", va="top", fontsize="small")
    return fig
