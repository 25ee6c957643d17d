"""Exercises of notebook 07: conditional GAN, LSGAN and WGAN-GP.

Each expected answer is computed here with ganlab's losses and networks when it is checked.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab.exercises import Exercise, register
from ganlab.losses import gradient_penalty, least_squares_d
from ganlab.models import ImageGenerator

__all__ = ["LSGAN_DENSITIES", "SHIFT", "CGAN"]

LSGAN_DENSITIES = (0.3, 0.1)
"""(p_data(x), p_G(x)) at the point x of the LSGAN question."""

SHIFT = 3.0
"""p_data = N(0, 1), p_G = N(SHIFT, 1) in the Wasserstein question."""

CGAN = {"latent_dim": 16, "n_classes": 10}


def _lsgan_optimum() -> float:
    """argmin over d of p_data·½(d − 1)² + p_G·½d², found with the LSGAN loss itself."""
    p_data, p_g = LSGAN_DENSITIES
    d = jnp.linspace(-0.5, 1.5, 200_001)
    # least_squares_d(real, fake) is ½(real − 1)² + ½ fake² for a single pair of scores.
    cost = jax.vmap(lambda v: p_data * least_squares_d(v[None], jnp.zeros(1))
                    + p_g * least_squares_d(jnp.ones(1), v[None]))(d)
    return float(d[jnp.argmin(cost)])


def _penalty_target() -> float:
    """The gradient norm at which the gradient penalty vanishes, found by scanning linear
    critics f(x) = a·x of slope a."""
    x = jnp.linspace(-1.0, 1.0, 8)[:, None]
    slopes = np.linspace(0.0, 3.0, 3001)
    values = [float(gradient_penalty(lambda y, a=a: a * y[:, 0], x, -x, jax.random.key(0)))
              for a in slopes[::10]]
    coarse = slopes[::10][int(np.argmin(values))]
    fine = slopes[np.abs(slopes - coarse) <= 0.01]
    values = [float(gradient_penalty(lambda y, a=a: a * y[:, 0], x, -x, jax.random.key(0)))
              for a in fine]
    return float(fine[int(np.argmin(values))])


def _wasserstein() -> float:
    """W1 = ∫ |F_data(x) − F_G(x)| dx, by quadrature of the two CDFs."""
    xs = div.grid(-10.0, 10.0 + SHIFT, 20001)
    dx = float(xs[1] - xs[0])
    cdf = [np.cumsum(np.asarray(p.prob(xs))) * dx
           for p in (dist.Normal(0.0, 1.0), dist.Normal(SHIFT, 1.0))]
    return float(np.sum(np.abs(cdf[0] - cdf[1])) * dx)


def _cgan_input() -> int:
    g = ImageGenerator(CGAN["latent_dim"], (8, 8, 1), (8, 4), n_classes=CGAN["n_classes"],
                       rngs=nnx.Rngs(0))
    return int(g.net.inp.in_features)


register(Exercise(
    id="07.cgan_input",
    question=("A conditional generator takes 16 noise numbers and a digit label (0-9), one-hot. "
              "How many numbers enter its first layer?"),
    expected=_cgan_input,
    hint="The one-hot label is a vector with one entry per class, placed after the noise.",
    kind="number", rtol=0.0, atol=0.5,
))

register(Exercise(
    id="07.lsgan_dstar",
    question=(f"LSGAN: at a point x, p_data(x) = {LSGAN_DENSITIES[0]} and p_G(x) = "
              f"{LSGAN_DENSITIES[1]}. Which score D(x) minimises the discriminator's "
              "least-squares loss there (targets 1 for real, 0 for fake)?"),
    expected=_lsgan_optimum,
    hint=("Minimise p_data·½(d − 1)² + p_G·½d² over d: set its derivative to zero. Compare "
          "with the cross-entropy optimum of notebook 04."),
    kind="number", rtol=1e-3, atol=1e-3,
))

register(Exercise(
    id="07.penalty_norm",
    question=("WGAN-GP: at which length of the critic's gradient ‖∇f(x̂)‖ is the gradient "
              "penalty zero?"),
    expected=_penalty_target,
    hint="The penalty is λ·(‖∇f(x̂)‖ − c)²; a critic that is K-Lipschitz with K = c is wanted.",
    kind="number", rtol=0.0, atol=0.02,
))

register(Exercise(
    id="07.wasserstein",
    question=(f"p_data = N(0, 1) and p_G = N({SHIFT:g}, 1). What is the Wasserstein-1 distance "
              "between them?"),
    expected=_wasserstein,
    hint=("Moving every bit of mass the same distance turns one into the other; W1 is the "
          "average distance moved."),
    kind="number", rtol=1e-3, atol=1e-3,
))
