"""Exact divergences, the optimal discriminator and the GAN value.

The optimal discriminator is pointwise: :func:`optimal_discriminator` gives
D*(x) = p_data(x) / (p_data(x) + p_G(x)) exactly at any points x (a probe, samples, a grid),
from the two log densities there; nothing is normalised over the points it is given.

The integrals (KL, JSD, V(G, D)) are computed by quadrature in log space on a grid of points
``xs``: 1D points of shape ``(n,)`` (see :func:`grid`) or a 2D mesh of shape ``(ny, nx, 2)``
(see :func:`grid2d`). Each density is turned into probabilities on the grid with trapezoid
weights and renormalised, so these hold to float32 rounding:

- ``kl(p, q)``  >= 0, 0 for p = q, ``+inf`` where p has mass and q has none;
- ``jsd(p, q)`` in [0, log 2], exactly log 2 for disjoint supports, never NaN.

``value(p, q, optimal_discriminator(p, q, xs), xs) == -2 log 2 + 2 jsd(p, q, xs)`` holds to
the accuracy of the quadrature: V(G, D*) can fall short of the right-hand side only by a term
of second order in how far each density's trapezoid sum is from 1 (below 10⁻⁶ nats on grids
that resolve both densities and cover their mass).

Results are nats, returned as Python floats. A grid must cover the mass of both densities:
on a grid that misses most of it the numbers describe the truncated densities.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "grid", "grid2d", "kl", "jsd", "optimal_discriminator", "value", "compare", "log_probabilities",
    "log_weights", "jsd_and_dstar_on_host",
]

LOG2 = math.log(2.0)


def grid(low: float, high: float, n: int) -> jax.Array:
    """``n`` evenly spaced 1D points from ``low`` to ``high`` inclusive, shape ``(n,)``."""
    low, high, n = _grid_args(low, high, n)
    return jnp.linspace(low, high, n, dtype=jnp.float32)


def grid2d(low: float, high: float, n: int) -> jax.Array:
    """An ``n`` × ``n`` mesh over the square [low, high]², shape ``(n, n, 2)`` (x, y last)."""
    axis = grid(low, high, n)
    xx, yy = jnp.meshgrid(axis, axis, indexing="xy")
    return jnp.stack([xx, yy], axis=-1)


def _grid_args(low, high, n):
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise ValueError(f"grid bounds must be numbers, got {low!r}, {high!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise ValueError(f"grid needs finite bounds with low < high, got low={low}, high={high}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"grid needs an integer number of points n >= 2, got {n!r}")
    return low, high, int(n)


def _trapezoid(axis: np.ndarray, what: str) -> np.ndarray:
    if axis.ndim != 1 or axis.size < 2:
        raise ValueError(f"{what} must hold at least 2 points, got shape {axis.shape}")
    if not np.all(np.isfinite(axis)):
        raise ValueError(f"{what} must be finite")
    steps = np.diff(axis)
    if not np.all(steps > 0):
        raise ValueError(f"{what} must be strictly increasing")
    w = np.zeros_like(axis)
    w[:-1] += 0.5 * steps
    w[1:] += 0.5 * steps
    return w


def _log_weights(xs) -> tuple[jax.Array, jax.Array]:
    """Validated points and the log of their quadrature weights (same leading shape)."""
    arr = np.asarray(xs, dtype=np.float64)
    if arr.ndim == 1:
        w = _trapezoid(arr, "xs")
    elif arr.ndim == 3 and arr.shape[-1] == 2:
        wx = _trapezoid(arr[0, :, 0], "the x axis of xs")
        wy = _trapezoid(arr[:, 0, 1], "the y axis of xs")
        w = wy[:, None] * wx[None, :]
    else:
        raise ValueError(
            f"xs must be 1D points of shape (n,) or a 2D mesh of shape (ny, nx, 2), "
            f"got shape {arr.shape}"
        )
    return jnp.asarray(arr, jnp.float32), jnp.asarray(np.log(w), jnp.float32)


def log_probabilities(p, xs) -> jax.Array:
    """log of p's probability mass at each grid point (quadrature weight × density, normalised).

    Shape: the grid's shape without the trailing 2 of a 2D mesh. Raises ``ValueError`` when p
    has no mass on the grid.
    """
    log_density, log_w = _log_densities(p, xs)
    return _normalise(log_density, log_w)


def _log_densities(p, xs) -> tuple[jax.Array, jax.Array]:
    """p's log density at the grid points and the log quadrature weights, both validated."""
    points, log_w = _log_weights(xs)
    if getattr(p, "dim", 1) != (1 if points.ndim == 1 else 2):
        kind = "1D grid" if points.ndim == 1 else "2D mesh"
        raise ValueError(f"{p!r} is {p.dim}D but xs is a {kind}")
    lp = jnp.asarray(p.log_prob(points), jnp.float32)
    if not bool(jnp.any(jnp.isfinite(lp))):
        raise ValueError(f"{p!r} has no mass on the grid xs; widen the grid to cover it")
    return lp, log_w


def _normalise_with(xp, lp, log_w):
    """``lp + log_w`` normalised to log-probabilities (``xp``: numpy or jax.numpy); at least
    one entry must be finite."""
    lw = lp + log_w
    top = xp.max(lw)
    return lw - (top + xp.log(xp.sum(xp.exp(lw - top))))


_normalise = jax.jit(functools.partial(_normalise_with, jnp))


def log_weights(xs) -> np.ndarray:
    """log of the quadrature weights of the grid ``xs`` (its shape without a mesh's trailing 2),
    as a NumPy array: with :func:`jsd_and_dstar_on_host`."""
    return np.asarray(_log_weights(xs)[1])


def jsd_and_dstar_on_host(*, log_p, log_q, log_w) -> tuple[float, np.ndarray]:
    """(JSD(p, q), D* at the grid points) as :func:`compare` computes them, in NumPy on the host.

    Keywords only (three arrays of one shape): ``log_p``, ``log_q``: log of p's and q's
    densities at the grid points (−inf where a density is 0; each with some entry finite),
    e.g. ``p.log_prob(xs)``, not normalised; ``log_w``: :func:`log_weights` of the grid. The
    JSD is :func:`jsd`'s quadrature, D* the pointwise :func:`optimal_discriminator` (float64,
    the grid's shape). Nothing runs on the device, so this returns at once even while the
    device is busy with queued work (the live trainer draws while it trains).
    """
    log_p, log_q = np.asarray(log_p, np.float64), np.asarray(log_q, np.float64)
    log_w = np.asarray(log_w, np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lp, lq = _normalise_with(np, log_p, log_w), _normalise_with(np, log_q, log_w)
        return _in_jsd_range(_jsd_with(np, lp, lq)), _dstar_with(np, log_p, log_q)


@jax.jit
def _kl(lp, lq):
    # Terms with p = 0 contribute 0; p > 0 where q = 0 contributes +inf.
    has_mass = jnp.exp(lp) > 0
    safe = jnp.where(has_mass, lp - lq, 0.0)
    terms = jnp.where(has_mass, jnp.exp(lp) * safe, 0.0)
    return jnp.maximum(jnp.sum(terms), 0.0)


def _jsd_with(xp, lp, lq):
    lm = xp.logaddexp(lp, lq) - LOG2
    # lp - lm <= log 2 wherever p > 0, so every term is finite.
    tp = xp.where(xp.isfinite(lp), xp.exp(lp) * (lp - lm), 0.0)
    tq = xp.where(xp.isfinite(lq), xp.exp(lq) * (lq - lm), 0.0)
    return 0.5 * (xp.sum(tp) + xp.sum(tq))


_jsd = jax.jit(functools.partial(_jsd_with, jnp))


def _in_jsd_range(value) -> float:
    # Clipped in float64: float32's nearest value to log 2 lies just above it.
    return min(max(float(value), 0.0), LOG2)


def kl(p, q, xs) -> float:
    """KL(p ‖ q) in nats: Σ p log(p / q) over the grid; ``inf`` if q misses some of p's mass."""
    return float(_kl(log_probabilities(p, xs), log_probabilities(q, xs)))


def jsd(p, q, xs) -> float:
    """Jensen-Shannon divergence ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2; in [0, log 2]."""
    return _in_jsd_range(_jsd(log_probabilities(p, xs), log_probabilities(q, xs)))


def optimal_discriminator(p_data, p_g, x) -> jax.Array:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), exact at each point of ``x``, in [0, 1].

    ``x``: any points of the distributions' dimension: for 1D distributions a probe (a number),
    samples ``(n, 1)``, a grid ``(n,)``, any shape, and D* has the shape of ``x``; for 2D ones
    points ``(..., 2)`` (samples ``(n, 2)``, a mesh ``(ny, nx, 2)``), and D* has shape
    ``x.shape[:-1]``. Computed in log space, as the sigmoid of the log ratio
    log p_data(x) − log p_g(x) (= exp(log p_data − logaddexp(log p_data, log p_g))), so it
    stays exact where both densities underflow a float, and is 0 or 1 where only one of them
    is 0. Where both densities are exactly 0, D* is undefined (any D is optimal where V's
    integrand is 0): it is returned as 1/2 there. float32.
    """
    dims = (getattr(p_data, "dim", 1), getattr(p_g, "dim", 1))
    if dims[0] != dims[1]:
        raise ValueError(
            f"p_data and p_g must have the same dimension, got {dims[0]}D {p_data!r} and "
            f"{dims[1]}D {p_g!r}"
        )
    try:
        x = jnp.asarray(x, jnp.float32)
    except (TypeError, ValueError):
        raise ValueError(f"x must be numbers (a point, samples or a grid), got {x!r}") from None
    lp = jnp.asarray(p_data.log_prob(x), jnp.float32)
    lq = jnp.asarray(p_g.log_prob(x), jnp.float32)
    return _dstar(lp, lq)


def _dstar_with(xp, lp, lq):
    """D* from the two log densities (any shape, −inf for a density of 0): 1/2 where both are
    −inf, else exp(lp − logaddexp(lp, lq)) = sigmoid(lp − lq), evaluated as 1 / (1 + e) or
    e / (1 + e) with e = exp(−|lp − lq|) ≤ 1, so nothing overflows, p = q gives exactly 1/2,
    and D*(p, q) + D*(q, p) = 1 to rounding."""
    both_empty = xp.isneginf(lp) & xp.isneginf(lq)
    t = xp.where(both_empty, 0.0, lp - lq)  # ±inf where only one density is 0
    e = xp.exp(-xp.abs(t))
    return xp.where(both_empty, 0.5, xp.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


_dstar = jax.jit(functools.partial(_dstar_with, jnp))


def value(p_data, p_g, d, xs) -> float:
    """V(G, D) = E_pdata[log D(x)] + E_pg[log(1 − D(x))] for D given by its values ``d`` on xs.

    ``d`` holds probabilities, shape of the grid. A value that float32 rounded to exactly 0 or
    1 is read as the nearest probability it could have come from (the smallest normal float32,
    or 1 − 2⁻²⁵), so V(G, D*) stays finite where D* saturates. Values outside [0, 1] or NaN
    raise ``ValueError``.
    """
    lp = log_probabilities(p_data, xs)
    lq = log_probabilities(p_g, xs)
    d = jnp.asarray(d, jnp.float32)
    if d.shape != lp.shape:
        raise ValueError(f"d must have the grid's shape {tuple(lp.shape)}, got {tuple(d.shape)}")
    if not bool(jnp.all((d >= 0) & (d <= 1))):
        raise ValueError("d must hold probabilities in [0, 1] (no NaN)")
    return float(_value(lp, lq, d))


@jax.jit
def _value(lp, lq, d):
    tiny = jnp.finfo(jnp.float32).tiny
    log_d = jnp.log(jnp.maximum(d, tiny))
    log_1md = jnp.where(d >= 1.0, -25.0 * LOG2, jnp.log1p(-d))
    tp = jnp.where(jnp.exp(lp) > 0, jnp.exp(lp) * log_d, 0.0)
    tq = jnp.where(jnp.exp(lq) > 0, jnp.exp(lq) * log_1md, 0.0)
    return jnp.sum(tp) + jnp.sum(tq)


def compare(p_data, p_g, xs) -> dict:
    """Every exact number the lecture puts side by side, from one pass over the grid.

    Returns a dict: ``jsd``, ``kl_data_g`` (KL(p_data ‖ p_g)), ``kl_g_data`` (KL(p_g ‖ p_data)),
    ``v_star`` (V(G, D*), by quadrature with the exact D*), ``identity`` (−2 log 2 + 2 JSD) as
    floats, and ``dstar``, :func:`optimal_discriminator` at the grid points (array of the
    grid's shape).
    """
    log_p, log_w = _log_densities(p_data, xs)
    log_q, _ = _log_densities(p_g, xs)
    jsd_, kl_pq, kl_qp, v_star, dstar = _compare(log_p, log_q, log_w)
    jsd_ = _in_jsd_range(jsd_)
    return {
        "jsd": jsd_,
        "kl_data_g": float(kl_pq),
        "kl_g_data": float(kl_qp),
        "v_star": float(v_star),
        "identity": -2.0 * LOG2 + 2.0 * jsd_,
        "dstar": dstar,
    }


@jax.jit
def _compare(log_p, log_q, log_w):
    dstar = _dstar(log_p, log_q)
    lp, lq = _normalise(log_p, log_w), _normalise(log_q, log_w)
    return _jsd(lp, lq), _kl(lp, lq), _kl(lq, lp), _value(lp, lq, dstar), dstar
