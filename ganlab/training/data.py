"""Where a GAN's minibatches come from: data sources, the generator's noise, and the random
inputs of one training step, all drawn on the device inside the compiled loop.

Shapes: a source of points gives ``(m, d)``; of images ``(m, h, w, c)`` (plus ``n_classes``
constant label planes for a conditional GAN); noise is ``(..., noise_dim)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ganlab.distributions import Distribution, IsotropicNormal, Mixture, Normal, Uniform
from ganlab.models import label_planes, with_labels
from ganlab.training.config import GANConfig

__all__ = ["Source", "make_source", "noise", "Minibatches", "step_key", "draw", "packed"]


@dataclasses.dataclass(frozen=True)
class Source:
    """``sample(arrays, key, m)`` -> ``(m, *shape)``; ``fingerprint`` identifies the program;
    ``loc`` and ``scale`` are the data's mean and standard deviation per coordinate."""

    shape: tuple[int, ...]
    arrays: tuple
    sample: Callable
    fingerprint: tuple
    loc: np.ndarray
    scale: np.ndarray


def _fingerprint(obj):
    """A hashable value equal for equal distributions (same type, same parameters)."""
    if isinstance(obj, (bool, int, float, str, type(None))):
        return obj
    if isinstance(obj, (np.ndarray, jax.Array)):
        arr = np.asarray(obj)
        return ("array", arr.shape, arr.dtype.str, arr.tobytes())
    if isinstance(obj, (list, tuple)):
        return tuple(_fingerprint(v) for v in obj)
    if isinstance(obj, Distribution):
        return (type(obj).__qualname__,
                tuple((k, _fingerprint(v)) for k, v in sorted(vars(obj).items())))
    return ("object", id(obj))


def _moments(points) -> tuple[np.ndarray, np.ndarray]:
    points = np.asarray(points, np.float64)
    return points.mean(axis=0), points.std(axis=0)


def _exact_moments(d: Distribution):
    """(mean, variance) per coordinate of the distributions whose moments are known, else None."""
    if isinstance(d, Normal):
        return np.array([d.loc]), np.array([d.scale**2])
    if isinstance(d, Uniform):
        return np.array([(d.low + d.high) / 2]), np.array([(d.high - d.low) ** 2 / 12])
    if isinstance(d, IsotropicNormal):
        return np.asarray(d.loc, np.float64), np.full(d.dim, d.scale**2)
    if isinstance(d, Mixture):
        parts = [_exact_moments(c) for c in d.components]
        if any(p is None for p in parts):
            return None
        w = np.asarray(d.weights, np.float64)[:, None]
        means = np.stack([p[0] for p in parts])
        second = np.stack([p[1] + p[0] ** 2 for p in parts])
        mean = (w * means).sum(axis=0)
        return mean, np.maximum((w * second).sum(axis=0) - mean**2, 0.0)
    return None


def _distribution_moments(d: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per coordinate: exact when known, else from a fixed sample."""
    exact = _exact_moments(d)
    if exact is not None:
        return exact[0], np.sqrt(exact[1])
    return _moments(jax.jit(lambda key: d.sample(key, 8192))(jax.random.key(0)))


_MOMENTS: dict = {}


def _image_source(images: np.ndarray, labels, n_classes: int) -> Source:
    """Images ``(n, h, w, c)`` in [0, 1], with integer ``labels`` ``(n,)`` when ``n_classes`` > 0
    -> a source of ``(h, w, c + n_classes)`` arrays: each image, then its one-hot label as
    constant planes (the conditional discriminator's input, see ganlab.models.image_gan)."""
    n, h, w, c = images.shape
    if min(images.shape) < 1:
        raise ValueError(f"images are empty (shape {images.shape}); pass at least one image")
    if not (np.all(np.isfinite(images)) and images.min() >= 0.0 and images.max() <= 1.0):
        raise ValueError("images must hold pixel values in [0, 1], like ganlab.datasets.load's")
    arrays = (jnp.asarray(images),)
    if n_classes:
        lab = np.asarray(labels) if labels is not None else None
        if lab is None or lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer) \
                or lab.min() < 0 or lab.max() >= n_classes:
            raise ValueError(f"a conditional GAN (n_classes={n_classes}) needs labels=: "
                             f"{n} integers in [0, {n_classes}), one per image")
        arrays += (jnp.asarray(lab, jnp.int32),)
    elif labels is not None:
        raise ValueError("labels were given but config.n_classes is 0; set n_classes to the "
                         "number of classes to train a conditional GAN")

    def sample(arrays, key, m):
        index = jax.random.randint(key, (m,), 0, arrays[0].shape[0])
        if not n_classes:
            return arrays[0][index]
        planes = label_planes(jax.nn.one_hot(arrays[1][index], n_classes), h, w)
        return jnp.concatenate([arrays[0][index], planes], axis=-1)

    half = np.full((h, w, c), 0.5)  # pixels [0, 1] <-> [-1, 1] inside the networks
    return Source((h, w, c + n_classes), arrays, sample, ("images", images.shape, n_classes),
                   half, half)


def make_source(data, labels=None, n_classes: int = 0) -> Source:
    if isinstance(data, Distribution) and (labels is not None or n_classes):
        raise ValueError("labels and n_classes are for image data (n, h, w, c) only")
    if isinstance(data, Distribution):
        fingerprint = ("distribution", _fingerprint(data))
        if fingerprint not in _MOMENTS:
            _MOMENTS[fingerprint] = _distribution_moments(data)
        loc, scale = _MOMENTS[fingerprint]
        return Source((data.dim,), (), lambda arrays, key, m: data.sample(key, m),
                       fingerprint, loc, np.where(scale > 0, scale, 1.0))
    try:
        arr = np.asarray(data, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(
            "data must be a ganlab distribution or a numeric array of shape (n, d), "
            f"got {type(data).__name__}") from None
    if arr.ndim == 4:
        return _image_source(arr, labels, n_classes)
    if labels is not None or n_classes:
        raise ValueError("labels and n_classes are for image data (n, h, w, c) only")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"data must be a ganlab distribution, an array of shape (n, d) (or (n,) for 1D) or "
            f"images (n, h, w, c), got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"data is empty (shape {arr.shape}); pass at least one point")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"data holds {bad} NaN or infinite values; remove or replace them")

    def sample(arrays, key, m):
        (points,) = arrays
        return points[jax.random.randint(key, (m,), 0, points.shape[0])]

    loc, scale = _moments(arr)
    return Source((arr.shape[1],), (jnp.asarray(arr),), sample, ("array", arr.shape),
                   loc, np.where(scale > 0, scale, 1.0))


def noise(kind: str, key: jax.Array, shape: tuple[int, ...], n_components: int = 0
           ) -> jax.Array:
    """Generator input of ``shape`` (last axis latent_dim): N(0, 1) or U(−1, 1) entries.

    ``kind="mixture"``: ``(*shape[:-1], n_components + shape[-1])``, the one-hot vector of a
    code drawn uniformly from ``n_components`` values, then U(−1, 1) entries.
    """
    if kind == "mixture":
        if n_components < 1:
            raise ValueError(f"mixture noise needs n_components >= 1, got {n_components!r}")
        key_code, key = jax.random.split(key)
        code = jax.random.randint(key_code, shape[:-1], 0, n_components)
        return jnp.concatenate([jax.nn.one_hot(code, n_components, dtype=jnp.float32),
                                noise("uniform", key, shape)], axis=-1)
    if kind == "uniform":
        return jax.random.uniform(key, shape, jnp.float32, -1.0, 1.0)
    return jax.random.normal(key, shape, jnp.float32)


class Minibatches(NamedTuple):
    """One training step's fresh random inputs (see :meth:`GANRun.minibatches`).

    ``reals``: ``(k, m, *data_shape)``, the data minibatch of each discriminator step;
    ``d_noise``: ``(k, m, latent_dim)``, the noise each discriminator step feeds G
    (``noise_dim`` entries with mixture noise);
    ``g_noise``: ``(m, latent_dim)``, the noise of the generator step (a conditional GAN's
    noise vectors end with the one-hot label of the fake, ``latent_dim + n_classes`` entries);
    ``penalty_keys``: ``(k,)`` PRNG keys of the gradient penalty (``wasserstein_gp`` only).
    """

    reals: jax.Array
    d_noise: jax.Array
    g_noise: jax.Array
    penalty_keys: jax.Array


def step_key(train_key: jax.Array, step) -> jax.Array:
    """The key that training step ``step`` (1-based) draws all its minibatches from."""
    return jax.random.fold_in(train_key, step - 1)


def draw(config: GANConfig, source: Source, arrays, key: jax.Array) -> Minibatches:
    """One step's fresh minibatches: k × (data, noise, penalty key) for D, noise for G.

    Few calls with big shapes rather than one per minibatch: each call site of the random
    number generator costs compile time.
    """
    k, m = config.k, config.batch_size
    key_data, key_noise, key_gp = jax.random.split(key, 3)
    reals = source.sample(arrays, key_data, k * m).reshape(k, m, *source.shape)
    zs = noise(config.noise, key_noise, (k + 1, m, config.latent_dim), config.n_components)
    if config.n_classes:  # conditional: the fakes' labels, uniform, one-hot after the noise
        fake_labels = jax.random.randint(jax.random.fold_in(key_noise, 1), (k + 1, m), 0,
                                         config.n_classes)
        zs = with_labels(zs, fake_labels, config.n_classes)
    return Minibatches(reals, zs[:k], zs[k], jax.random.split(key_gp, k))


def packed(x: jax.Array, pack: int) -> jax.Array:
    """``(m, *shape)`` -> ``(m // pack, pack · size)``: consecutive samples side by side.
    ``pack == 1`` leaves ``x`` as it is (images keep their shape)."""
    return x if pack == 1 else x.reshape(x.shape[0] // pack, -1)


