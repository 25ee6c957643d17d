"""Pixel-wise comparison of images, and why it is not a measure of realism.

Images are ``(n, h, w, c)`` arrays in [0, 1]. :func:`shift_images` moves every digit a few
pixels (a digit that looks just as real), :func:`blur_images` smooths it (a digit that looks
washed out); :func:`pixel_loss` scores both against the original, :func:`sharpness` measures
what the eye sees: real digits have crisp strokes, blurred ones do not.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["pixel_loss", "shift_images", "blur_images", "sharpness"]


def _images(images) -> np.ndarray:
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4:
        raise ValueError(f"images must have shape (n, h, w, c) or (n, h, w), got {arr.shape}")
    return arr


def pixel_loss(images, references) -> np.ndarray:
    """Mean squared difference per image, averaged over pixels: ``(n,)``."""
    a, b = _images(images), _images(references)
    if a.shape != b.shape:
        raise ValueError(f"images {a.shape} and references {b.shape} must have the same shape")
    return np.mean((a - b) ** 2, axis=(1, 2, 3))


def shift_images(images, dx: int = 1, dy: int = 0) -> np.ndarray:
    """Move every image ``dx`` pixels right and ``dy`` down; uncovered pixels are 0 (paper)."""
    arr = _images(images)
    if not all(isinstance(d, (int, np.integer)) for d in (dx, dy)):
        raise ValueError(f"dx and dy must be whole numbers of pixels, got {dx!r}, {dy!r}")
    return ndimage.shift(arr, (0, int(dy), int(dx), 0), order=0, mode="constant", cval=0.0)


def blur_images(images, sigma: float = 1.0) -> np.ndarray:
    """Gaussian blur of width ``sigma`` pixels (> 0), zero outside the image."""
    if not float(sigma) > 0:
        raise ValueError(f"sigma must be > 0 pixels, got {sigma!r}")
    return ndimage.gaussian_filter(_images(images), sigma=(0, float(sigma), float(sigma), 0),
                                   mode="constant", cval=0.0)


def sharpness(images) -> np.ndarray:
    """Mean absolute difference between neighbouring pixels, across and down: ``(n,)``.

    Crisp strokes give large differences, a blur small ones; a shift changes almost nothing.
    """
    arr = _images(images)
    return (np.mean(np.abs(np.diff(arr, axis=1)), axis=(1, 2, 3))
            + np.mean(np.abs(np.diff(arr, axis=2)), axis=(1, 2, 3)))
