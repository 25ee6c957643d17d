"""Figures of images: a grid of digits (samples, reconstructions, a training progression).

Images are ``(n, h, w, c)`` arrays in [0, 1] (c = 1 or 3), as ``ganlab.datasets.load`` and
image generators return them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["tile_images", "plot_image_grid"]


def tile_images(images, ncols: int, pad: int = 1, background: float = 1.0) -> np.ndarray:
    """Images ``(n, h, w, c)`` in [0, 1] -> one ``(rows·(h+pad)−pad, ncols·(w+pad)−pad, c)``
    mosaic, row by row, ``pad`` pixels of ``background`` between tiles."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(f"images must have shape (n, h, w, c) with n >= 1, got {images.shape}")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
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
