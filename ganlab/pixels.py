"""Pixel-wise comparison of images, and why it is not a measure of realism.

Images are ``(n, h, w, c)`` arrays in [0, 1]. :func:`shift_images` moves every digit a few
pixels (a digit that looks just as real), :func:`blur_images` smooths it (a digit that looks
washed out); :func:`pixel_loss` scores both against the original, :func:`sharpness` measures
what the eye sees: real digits have crisp strokes, blurred ones do not. :func:`binarise` makes
black-and-white images (for a Bernoulli likelihood), and :func:`sample_quality` scores a set of
generated digits against real ones the same way for every model (VAE or GAN): sharpness, the
digit classifier's confidence (:mod:`ganlab.digit_score`) and how far the digit classes are
from the real images' proportions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

__all__ = ["pixel_loss", "shift_images", "blur_images", "sharpness", "binarise",
           "Quality", "sample_quality"]


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


def binarise(images, threshold: float = 0.5) -> np.ndarray:
    """Black and white images: 1.0 where a pixel is >= ``threshold`` (in (0, 1]), else 0.0."""
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    return (_images(images) >= float(threshold)).astype(np.float32)


class Quality(NamedTuple):
    """Scores of generated digits (see :func:`sample_quality`); each a plain float or int."""

    sharpness: float            # mean :func:`sharpness` of the samples
    relative_sharpness: float   # that ÷ the real images' mean sharpness (1: as crisp as real)
    confidence: float           # the digit classifier's mean confidence on the samples
    classes: int                # digit classes holding >= 3 % of the samples
    class_distance: float       # ½ Σ_c |share_c(samples) − share_c(real)|, in [0, 1]


def sample_quality(samples, real) -> Quality:
    """Score ``samples`` ``(n, h, w, 1)`` against ``real`` images of the same shape, in [0, 1].

    The same judge for both: shares of the digit classes are those the classifier of
    :mod:`ganlab.digit_score` assigns, so ``class_distance`` (total variation between the two
    class proportions) is 0 when the samples hold the digits in the real images' proportions
    and 1 when they hold none of the same classes. 8×8 digits or 28×28 MNIST only.
    """
    from ganlab import digit_score

    a, b = _images(samples), _images(real)
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(f"samples {a.shape} and real images {b.shape} differ in image shape")
    scored, reference = digit_score.digit_score(a), digit_score.digit_score(b)
    real_sharpness = float(sharpness(b).mean())
    mean_sharpness = float(sharpness(a).mean())
    return Quality(mean_sharpness,
                   mean_sharpness / real_sharpness if real_sharpness > 0 else float("nan"),
                   scored.score, scored.covered,
                   0.5 * float(np.abs(scored.shares - reference.shares).sum()))
