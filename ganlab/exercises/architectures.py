"""Exercises of notebook 07: conditional GAN, LSGAN and WGAN-GP.

Each expected answer is computed here with ganlab's losses, networks and distributions when it
is checked.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab.exercises import Exercise, register
from ganlab.losses import (
    gradient_penalty_at,
    least_squares_chi2_d,
    least_squares_chi2_g,
    wasserstein_d,
)
from ganlab.models import ImageGenerator

__all__ = ["SCALES", "CGAN", "critic_loss"]

SCALES = (1.0, 2.0)
"""p_data = N(0, SCALES[0]²), p_G = N(0, SCALES[1]²) in the Wasserstein question."""

CGAN = {"latent_dim": 16, "n_classes": 10}


def _cgan_input() -> int:
    g = ImageGenerator(CGAN["latent_dim"], (8, 8, 1), (8, 4), n_classes=CGAN["n_classes"],
                       rngs=nnx.Rngs(0))
    return int(g.net.inp.in_features)


def _lsgan_disjoint() -> float:
    """G's criterion at D's optimum for Mao et al.'s targets, data term included, for two
    uniform densities that do not overlap: the optimum score at each point is found by
    minimising D's loss over a grid of scores, and G's loss is read at it."""
    xs = np.linspace(-1.0, 4.0, 5001)
    dx = xs[1] - xs[0]
    p_data = np.asarray(dist.Uniform(0.0, 1.0).prob(xs), np.float64)
    p_g = np.asarray(dist.Uniform(2.0, 3.0).prob(xs), np.float64)
    scores = jnp.linspace(-1.5, 1.5, 3001)
    # D's expected loss at one point: p_data·½(s − b)² + p_G·½(s − a)², built from the loss.
    real_part = jax.vmap(lambda s: least_squares_chi2_d(s[None], jnp.full(1, -1.0)))(scores)
    fake_part = jax.vmap(lambda s: least_squares_chi2_d(jnp.ones(1), s[None]))(scores)
    g_part = np.asarray(jax.vmap(lambda s: least_squares_chi2_g(s[None]))(scores), np.float64)
    real_part, fake_part = np.asarray(real_part, np.float64), np.asarray(fake_part, np.float64)
    total = 0.0
    for pd, pg in zip(p_data, p_g):
        if pd + pg == 0.0:
            continue
        best = int(np.argmin(pd * real_part + pg * fake_part))
        total += (pd + pg) * g_part[best] * dx
    return float(total)


def critic_loss(critic, real, fake, eps, weight: float = 10.0):
    """The WGAN-GP critic's loss with the interpolation weights ``eps`` ``(n, 1)`` given:
    mean f(fake) − mean f(real) + λ mean (‖∇f(x̂)‖ − 1)², x̂ = eps·real + (1 − eps)·fake."""
    real, fake, eps = (jnp.asarray(a, jnp.float32) for a in (real, fake, eps))
    return (wasserstein_d(critic(real), critic(fake))
            + gradient_penalty_at(critic, eps * real + (1.0 - eps) * fake, weight))


def _critic_cases() -> list[tuple]:
    rng = np.random.default_rng(7)
    w = jnp.asarray(rng.normal(size=(3,)), jnp.float32)
    hidden = jnp.asarray(rng.normal(size=(3, 8)), jnp.float32)
    out = jnp.asarray(rng.normal(size=(8,)), jnp.float32)
    critics = [
        lambda x: x @ (3.0 * w),                          # linear: the same gradient everywhere
        lambda x: 0.5 * jnp.sum(x**2, axis=1),            # quadratic: gradient x
        lambda x: jnp.tanh(x @ hidden) @ out,             # a small network
    ]
    cases = []
    for i, critic in enumerate(critics):
        n = 16 + 8 * i
        real = rng.normal(size=(n, 3)).astype(np.float32)
        fake = (rng.normal(size=(n, 3)) + 2.0).astype(np.float32)
        eps = rng.uniform(size=(n, 1)).astype(np.float32)
        cases.append((critic, real, fake, eps))
    return cases


def _wasserstein() -> float:
    """W1 = ∫ |F_data(x) − F_G(x)| dx, by quadrature of the two CDFs."""
    xs = div.grid(-20.0, 20.0, 40001)
    dx = float(xs[1] - xs[0])
    cdf = [np.cumsum(np.asarray(dist.Normal(0.0, s).prob(xs), np.float64)) * dx for s in SCALES]
    return float(np.sum(np.abs(cdf[0] - cdf[1])) * dx)


register(Exercise(
    id="07.cgan_input",
    question=("A conditional generator takes 16 noise numbers and a digit label (0-9), one-hot. "
              "How many numbers enter its first layer?"),
    expected=_cgan_input,
    hint="The one-hot label is a vector with one entry per class, placed after the noise.",
    kind="number", rtol=0.0, atol=0.5,
))

register(Exercise(
    id="07.lsgan_disjoint",
    question=("LSGAN with Mao et al.'s targets (a = −1, b = 1, c = 0): at D's optimum the "
              "generator's criterion is C(G) = χ²(p_G ‖ m), m = (p_data + p_G)/2. What is its "
              "value when p_G and p_data do not overlap at all?"),
    expected=_lsgan_disjoint,
    hint=("Where only p_G is positive, m = p_G/2, so (p_G − m)²/m = p_G/2; where only p_data "
          "is positive, p_G = 0 and (0 − m)²/m = m = p_data/2. Integrate both parts."),
    kind="number", rtol=0.0, atol=0.01,
))

register(Exercise(
    id="07.critic_loss",
    question=("Write critic_loss(critic, real, fake, eps): mean f(fake) − mean f(real) + "
              "10 · mean (‖∇f(x̂)‖ − 1)² with x̂ = eps·real + (1 − eps)·fake; critic maps "
              "(n, d) points to (n,) scores, eps is (n, 1)."),
    expected=critic_loss,
    hint=("jax.grad(lambda x: critic(x).sum())(x_hat) gives every point's own gradient "
          "(row i is ∇f at x̂_i), because each score depends on its own point only. Its norm "
          "per row: jnp.sqrt(jnp.sum(g**2, axis=1)). The first two terms are plain means of "
          "critic(fake) and critic(real)."),
    kind="code", rtol=1e-3, atol=1e-3,
    cases=_critic_cases,
))

register(Exercise(
    id="07.wasserstein",
    question=(f"p_data = N(0, {SCALES[0]:g}²) and p_G = N(0, {SCALES[1]:g}²). What is the "
              "Wasserstein-1 distance between them?"),
    expected=_wasserstein,
    hint=("The u-quantile of N(0, σ²) is σ times that of N(0, 1), so moving each quantile of "
          "one to the same quantile of the other moves a point z of N(0, 1) by "
          "|2z − z| = |z|. W1 is the mean distance moved: E|z| for z ~ N(0, 1), which you can "
          "compute from the density (or look up: the mean of the half-normal)."),
    kind="number", rtol=1e-3, atol=1e-3,
))
