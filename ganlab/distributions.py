"""Toy distributions with exact densities: 1D Normal, Uniform, Mixture, Tabulated; 2D ring, grid.

Plain ``jax.numpy``; float32 throughout. Every distribution has

- ``dim``                   1 or 2
- ``log_prob(x)``, ``prob(x)``  1D: elementwise on any shape; 2D: ``x`` of shape ``(..., 2)`` -> ``(...)``
- ``sample(key, n)``        shape ``(n, dim)``, ready to feed a model

Bad parameters raise ``ValueError`` saying what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ganlab.validate import integer, positive_int

__all__ = [
    "Distribution", "Normal", "Uniform", "IsotropicNormal", "Mixture", "Tabulated", "ring", "grid",
    "blobs",
]

_LOG_2PI = math.log(2.0 * math.pi)


def _finite_scalar(name: str, value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


def _positive_scalar(name: str, value) -> float:
    out = _finite_scalar(name, value)
    if out <= 0:
        raise ValueError(f"{name} must be > 0, got {out}")
    return out


def _sample_count(n) -> int:
    return integer("n", n, low=1, note="(a number of samples)")


class Distribution:
    """Base class: subclasses define ``dim``, ``log_prob`` and ``sample``."""

    dim: int = 1

    def log_prob(self, x) -> jax.Array:
        raise NotImplementedError

    def prob(self, x) -> jax.Array:
        """Density at ``x`` (same shape rules as :meth:`log_prob`)."""
        return jnp.exp(self.log_prob(x))

    def sample(self, key: jax.Array, n: int) -> jax.Array:
        raise NotImplementedError

    def _points(self, x) -> jax.Array:
        x = jnp.asarray(x, dtype=jnp.float32)
        if self.dim > 1 and (x.ndim == 0 or x.shape[-1] != self.dim):
            raise ValueError(
                f"a {self.dim}D distribution needs points of shape (..., {self.dim}), "
                f"got shape {tuple(x.shape)}"
            )
        return x


class Normal(Distribution):
    """1D Gaussian N(loc, scale²)."""

    dim = 1

    def __init__(self, loc: float = 0.0, scale: float = 1.0):
        self.loc = _finite_scalar("loc", loc)
        self.scale = _positive_scalar("scale", scale)

    def log_prob(self, x) -> jax.Array:
        z = (self._points(x) - self.loc) / self.scale
        return -0.5 * z * z - math.log(self.scale) - 0.5 * _LOG_2PI

    def sample(self, key, n) -> jax.Array:
        n = _sample_count(n)
        return self.loc + self.scale * jax.random.normal(key, (n, 1), dtype=jnp.float32)

    def __repr__(self) -> str:
        return f"Normal(loc={self.loc:g}, scale={self.scale:g})"


class Uniform(Distribution):
    """1D uniform density on the closed interval [low, high]."""

    dim = 1

    def __init__(self, low: float = -1.0, high: float = 1.0):
        self.low = _finite_scalar("low", low)
        self.high = _finite_scalar("high", high)
        if not self.low < self.high:
            raise ValueError(f"Uniform needs low < high, got low={self.low}, high={self.high}")

    def log_prob(self, x) -> jax.Array:
        x = self._points(x)
        inside = (x >= self.low) & (x <= self.high)
        return jnp.where(inside, -math.log(self.high - self.low), -jnp.inf).astype(jnp.float32)

    def sample(self, key, n) -> jax.Array:
        n = _sample_count(n)
        return jax.random.uniform(
            key, (n, 1), dtype=jnp.float32, minval=self.low, maxval=self.high
        )

    def __repr__(self) -> str:
        return f"Uniform(low={self.low:g}, high={self.high:g})"


class IsotropicNormal(Distribution):
    """Gaussian in ``len(loc)`` dimensions with covariance scale² · I (the 2D mixtures' component)."""

    def __init__(self, loc: Sequence[float], scale: float = 1.0):
        loc = np.asarray(loc, dtype=np.float64).reshape(-1)
        if loc.size < 1 or not np.all(np.isfinite(loc)):
            raise ValueError(f"loc must be a non-empty vector of finite numbers, got {loc!r}")
        self.loc = jnp.asarray(loc, dtype=jnp.float32)
        self.dim = int(loc.size)
        self.scale = _positive_scalar("scale", scale)

    def log_prob(self, x) -> jax.Array:
        z = (self._points(x) - self.loc) / self.scale
        return (
            -0.5 * jnp.sum(z * z, axis=-1)
            - self.dim * (math.log(self.scale) + 0.5 * _LOG_2PI)
        )

    def sample(self, key, n) -> jax.Array:
        n = _sample_count(n)
        return self.loc + self.scale * jax.random.normal(key, (n, self.dim), dtype=jnp.float32)

    def __repr__(self) -> str:
        return f"IsotropicNormal(loc={np.asarray(self.loc).tolist()}, scale={self.scale:g})"


class Mixture(Distribution):
    """Weighted mixture of components of one dimension; weights are normalised to sum to 1.

    ``modes`` is the ``(n_components, dim)`` array of component centres (the mean of a
    Normal, the midpoint of a Uniform).
    """

    def __init__(self, components: Sequence[Distribution], weights: Sequence[float] | None = None):
        components = list(components)
        if not components:
            raise ValueError("Mixture needs at least one component")
        if not all(isinstance(c, Distribution) for c in components):
            raise ValueError("Mixture components must be ganlab distributions")
        dims = {c.dim for c in components}
        if len(dims) != 1:
            raise ValueError(f"Mixture components must share one dimension, got {sorted(dims)}")
        self.dim = dims.pop()
        self.components = components
        if weights is None:
            w = np.ones(len(components))
        else:
            w = np.asarray(weights, dtype=np.float64).reshape(-1)
            if w.size != len(components):
                raise ValueError(
                    f"Mixture got {len(components)} components but {w.size} weights"
                )
            if not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError(f"Mixture weights must be finite and >= 0, got {w.tolist()}")
            if w.sum() <= 0:
                raise ValueError("Mixture weights must have a positive sum")
        self.weights = jnp.asarray(w / w.sum(), dtype=jnp.float32)
        with np.errstate(divide="ignore"):
            self._log_weights = jnp.asarray(np.log(w / w.sum()), dtype=jnp.float32)
        self.modes = jnp.stack([_centre(c) for c in components]).reshape(len(components), self.dim)

    def log_prob(self, x) -> jax.Array:
        x = self._points(x)
        parts = jnp.stack([c.log_prob(x) for c in self.components], axis=0)
        shape = (-1,) + (1,) * (parts.ndim - 1)
        return jax.nn.logsumexp(parts + self._log_weights.reshape(shape), axis=0)

    def sample(self, key, n) -> jax.Array:
        n = _sample_count(n)
        key_pick, *keys = jax.random.split(key, len(self.components) + 1)
        pick = jax.random.categorical(key_pick, self._log_weights, shape=(n,))
        draws = jnp.stack([c.sample(k, n) for c, k in zip(self.components, keys)], axis=0)
        return draws[pick, jnp.arange(n)]

    def __repr__(self) -> str:
        w = ", ".join(f"{v:.3g}" for v in np.asarray(self.weights))
        return f"Mixture({self.components!r}, weights=[{w}])"


def _centre(component: Distribution) -> jax.Array:
    if isinstance(component, Uniform):
        return jnp.asarray([0.5 * (component.low + component.high)], dtype=jnp.float32)
    if isinstance(component, (Normal,)):
        return jnp.asarray([component.loc], dtype=jnp.float32)
    if isinstance(component, IsotropicNormal):
        return component.loc
    if isinstance(component, Tabulated):
        mean = jnp.trapezoid(component.xs * component.density, component.xs)
        return jnp.asarray([mean], dtype=jnp.float32)
    if isinstance(component, Mixture):
        return jnp.sum(component.weights[:, None] * component.modes, axis=0)
    raise ValueError(f"cannot tell the centre of {component!r}")


def blobs(centres, scale: float) -> Mixture:
    """Equal-weight isotropic Gaussians of standard deviation ``scale`` at ``centres``
    ``(k, d)``: ``.modes`` are the centres and ``.scale`` is ``scale`` (what
    :func:`ganlab.metrics.mode_coverage` needs)."""
    centres = np.asarray(centres, dtype=np.float64)
    if centres.ndim != 2 or len(centres) < 1 or not np.all(np.isfinite(centres)):
        raise ValueError(f"centres must be a (k, d) array of finite numbers, k >= 1; got shape "
                         f"{centres.shape}")
    scale = _positive_scalar("scale", scale)
    mixture = Mixture([IsotropicNormal(c, scale) for c in centres])
    mixture.scale = scale
    return mixture


def ring(n_modes: int = 8, radius: float = 1.0, scale: float = 0.01) -> Mixture:
    """2D: ``n_modes`` equal-weight isotropic Gaussians evenly spaced on a circle.

    The angles are 2πk/n_modes for k = 0 … n_modes−1 (no mode is repeated at 2π).
    """
    n_modes = positive_int("n_modes", n_modes)
    radius = _positive_scalar("radius", radius)
    scale = _positive_scalar("scale", scale)
    angles = 2.0 * np.pi * np.arange(n_modes) / n_modes
    return blobs(radius * np.stack([np.cos(angles), np.sin(angles)], axis=1), scale)


def grid(n_per_side: int = 5, spacing: float = 2.0, scale: float = 0.05) -> Mixture:
    """2D: an ``n_per_side`` × ``n_per_side`` grid of equal-weight Gaussians centred on 0.

    The default gives the 25 modes at {−4, −2, 0, 2, 4}².
    """
    n_per_side = positive_int("n_per_side", n_per_side)
    spacing = _positive_scalar("spacing", spacing)
    scale = _positive_scalar("scale", scale)
    axis = spacing * (np.arange(n_per_side) - (n_per_side - 1) / 2.0)
    xx, yy = np.meshgrid(axis, axis, indexing="xy")
    return blobs(np.stack([xx.ravel(), yy.ravel()], axis=1), scale)


class Tabulated(Distribution):
    """1D density given by its values on a grid, linear in between and 0 outside.

    ``xs``: strictly increasing points, shape ``(m,)``; ``density``: values >= 0 at those
    points, shape ``(m,)``, rescaled so the piecewise-linear density integrates to 1. Useful to
    compare an estimate (a KDE of samples, a histogram) with the exact densities.
    ``sample`` inverts the cumulative mass interpolated linearly between grid points.
    """

    dim = 1

    def __init__(self, xs, density):
        xs = np.asarray(xs, dtype=np.float64).reshape(-1)
        density = np.asarray(density, dtype=np.float64).reshape(-1)
        if xs.size < 2 or xs.shape != density.shape:
            raise ValueError(
                f"Tabulated needs xs and density of the same shape (m,), m >= 2; got "
                f"{xs.shape} and {density.shape}"
            )
        if not (np.all(np.isfinite(xs)) and np.all(np.diff(xs) > 0)):
            raise ValueError("Tabulated needs finite, strictly increasing xs")
        if not np.all(np.isfinite(density)) or np.any(density < 0):
            raise ValueError("Tabulated needs finite densities >= 0")
        cells = 0.5 * (density[1:] + density[:-1]) * np.diff(xs)
        total = cells.sum()
        if not total > 0:
            raise ValueError("Tabulated needs some positive density")
        self.xs = jnp.asarray(xs, jnp.float32)
        self.density = jnp.asarray(density / total, jnp.float32)
        self._cdf = jnp.asarray(np.concatenate([[0.0], np.cumsum(cells) / total]), jnp.float32)

    def log_prob(self, x) -> jax.Array:
        x = self._points(x)
        inside = (x >= self.xs[0]) & (x <= self.xs[-1])
        values = jnp.interp(x, self.xs, self.density)
        positive = inside & (values > 0)
        return jnp.where(positive, jnp.log(jnp.where(positive, values, 1.0)), -jnp.inf)

    def sample(self, key, n) -> jax.Array:
        n = _sample_count(n)
        u = jax.random.uniform(key, (n,), dtype=jnp.float32)
        return jnp.interp(u, self._cdf, self.xs)[:, None]

    def __repr__(self) -> str:
        low, high = float(self.xs[0]), float(self.xs[-1])
        return f"Tabulated({self.xs.shape[0]} points on [{low:g}, {high:g}])"
