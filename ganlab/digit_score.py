"""Does a generator draw recognisable digits, of every class? And did it just copy its data?

A digit GAN has no exact density to compare with, so we ask a classifier trained on real digits:

- :func:`classify`: images ``(n, h, w, 1)`` -> predicted class ``(n,)`` and confidence ``(n,)``
  (the classifier's largest class probability);
- :func:`digit_score`: a :class:`DigitScore`: the mean confidence (the *score*), each class's
  share of the samples, and how many classes hold at least ``min_share`` of them;
- :func:`nearest_real`: each sample's nearest real image (the memorisation check: a generator
  that copies its training set has nearest neighbours at distance ~0).

The classifier is a *soft k-nearest-neighbour* classifier on pixels. For each class c it takes
the mean squared distance d_c(x) from x to the k = 5 closest real images of that class, and
p(c | x) = softmax_c(−d_c(x) / τ), with τ half the median squared distance between a real digit
and its nearest other real digit. Nothing is fitted (deterministic, ready at once) and, unlike
a linear classifier, it is *not* confident far from the data: uniform noise, a blank image or
the mean image are about equally far from every class and score low, while held-out real digits
score high. References: the ``"train"`` split of ``ganlab.datasets`` (for MNIST its first
10,000 images), chosen by the images' shape: 8×8 -> digits, 28×28 -> MNIST.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from ganlab import datasets

__all__ = ["DigitScore", "classify", "probabilities", "digit_score", "nearest_real", "reference",
           "NEIGHBOURS", "MIN_SHARE"]

NEIGHBOURS = 5
"""k: the closest real images of each class whose mean distance the classifier uses."""

MIN_SHARE = 0.03
"""A class counts as *covered* when at least this share of the samples is classified as it."""

_MNIST_REFERENCES = 10_000
_DATASETS = {(8, 8, 1): "digits", (28, 28, 1): "mnist"}


class DigitScore(NamedTuple):
    """``score``: mean confidence in [0, 1]; ``shares``: ``(10,)`` share of samples per class;
    ``covered``: classes with share >= ``MIN_SHARE``; ``classes``/``confidence``: per sample."""

    score: float
    shares: np.ndarray
    covered: int
    classes: np.ndarray
    confidence: np.ndarray


def _sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances ``(n, d)`` x ``(r, d)`` -> ``(n, r)``."""
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d2, 0.0)


@functools.lru_cache(maxsize=2)
def reference(image_shape: tuple[int, int, int]):
    """The real images ``(r, h·w)`` float32, their labels ``(r,)`` and τ for ``image_shape``."""
    name = _DATASETS.get(tuple(image_shape))
    if name is None:
        raise ValueError(f"digit scores are for 8×8 digits or 28×28 MNIST images (n, h, w, 1), "
                         f"got images of shape (n, {', '.join(map(str, image_shape))})")
    images, labels = datasets.load(name, "train")
    if name == "mnist":
        images, labels = images[:_MNIST_REFERENCES], labels[:_MNIST_REFERENCES]
    flat = images.reshape(len(images), -1).astype(np.float32)
    nearest = np.empty(len(flat))
    for start in range(0, len(flat), 2048):  # bounded memory
        d2 = _sq_distances(flat[start:start + 2048], flat)
        d2[np.arange(d2.shape[0]), start + np.arange(d2.shape[0])] = np.inf
        nearest[start:start + 2048] = d2.min(1)
    return flat, labels, 0.5 * float(np.median(nearest))


def _images(images) -> np.ndarray:
    x = np.asarray(images, np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[0] < 1:
        raise ValueError(f"images must have shape (n, h, w, 1) with n >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("images hold NaN or infinite values")
    return x


def probabilities(images) -> np.ndarray:
    """Class probabilities ``(n, 10)`` of images ``(n, h, w, 1)`` in [0, 1]."""
    x = _images(images)
    flat, labels, tau = reference(x.shape[1:])
    x = x.reshape(len(x), -1)
    out = np.empty((len(x), 10))
    for start in range(0, len(x), 1024):
        d2 = _sq_distances(x[start:start + 1024], flat)
        per_class = np.stack([np.sort(d2[:, labels == c], axis=1)[:, :NEIGHBOURS].mean(1)
                              for c in range(10)], axis=1)
        logits = -per_class / tau
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        out[start:start + 1024] = p / p.sum(1, keepdims=True)
    return out


def classify(images) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n, h, w, 1)`` -> (predicted class ``(n,)`` int, confidence ``(n,)`` in [0, 1])."""
    p = probabilities(images)
    return p.argmax(1), p.max(1)


def digit_score(images, min_share: float = MIN_SHARE) -> DigitScore:
    """Score images ``(n, h, w, 1)``: mean confidence, class shares, classes covered."""
    if not 0.0 <= float(min_share) <= 1.0:
        raise ValueError(f"min_share must be in [0, 1], got {min_share!r}")
    classes, confidence = classify(images)
    shares = np.bincount(classes, minlength=10) / len(classes)
    return DigitScore(float(confidence.mean()), shares, int(np.sum(shares >= min_share)),
                      classes, confidence)


def nearest_real(samples, real) -> tuple[np.ndarray, np.ndarray]:
    """For samples ``(n, h, w, c)``: index into ``real`` ``(r, h, w, c)`` of each one's nearest
    real image, ``(n,)``, and the Euclidean distance to it, ``(n,)`` (pixel units)."""
    x, ref = _images(samples), _images(real)
    if x.shape[1:] != ref.shape[1:]:
        raise ValueError(f"samples {x.shape} and real images {ref.shape} differ in image shape")
    x, ref = x.reshape(len(x), -1), ref.reshape(len(ref), -1)
    index = np.empty(len(x), np.int64)
    distance = np.empty(len(x))
    for start in range(0, len(x), 1024):
        d2 = _sq_distances(x[start:start + 1024], ref)
        index[start:start + 1024] = d2.argmin(1)
        distance[start:start + 1024] = np.sqrt(d2.min(1))
    return index, distance
