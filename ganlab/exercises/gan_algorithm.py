"""Exercises of notebook 03: the GAN game and Algorithm 1.

Each expected answer is computed here with ganlab's own code (exact divergences, the losses'
gradients by automatic differentiation, the training loop's minibatches) when it is checked.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab import losses
from ganlab.exercises import Exercise, register

__all__ = ["CROSSING_G", "DATA", "DRAWN_ITERATIONS", "DRAWN_K", "DRAWN_M", "REJECTED_D",
           "toy_algorithm1_step"]

# The settings each question refers to (the notebook prints the same ones).
DATA = dist.Normal(3.0, 0.8)            # p_data of the notebook
CROSSING_G = dist.Normal(1.5, 0.8)      # a generator to the left of the data
REJECTED_D = 0.01                       # D's output on a fake it confidently rejects
DRAWN_K, DRAWN_M, DRAWN_ITERATIONS = 3, 64, 1000


def toy_algorithm1_step(params, reals, d_noise, g_noise, lr, loss):
    """One iteration of Algorithm 1 with plain gradient steps, for a toy pair of players.

    D(x) = sigmoid(w x + b) and G(z) = mu + sigma z; ``params`` ``(4,)`` = (w, b, mu, sigma).
    ``reals`` and ``d_noise`` ``(k, m)``: the data and noise minibatches of D's k steps;
    ``g_noise`` ``(m,)``: the noise of G's step; ``lr``: the step size of both players;
    ``loss``: G's loss, "minimax" or "non_saturating". D takes k steps up V's minibatch
    estimate (each on its own minibatch, G fixed), then G one step down its loss (D fixed).
    Returns the new parameters ``(4,)``.
    """
    generator_loss = {"minimax": losses.minimax_g, "non_saturating": losses.non_saturating_g}
    if loss not in generator_loss:
        raise ValueError(f"loss must be 'minimax' or 'non_saturating', got {loss!r}")
    params, reals, d_noise, g_noise = (jnp.asarray(a, jnp.float32)
                                       for a in (params, reals, d_noise, g_noise))

    def logit(d, x):
        return d[0] * x + d[1]

    def d_loss(d, g, real, z):  # -V on the minibatch: D's binary cross-entropy
        return losses.minimax_d(logit(d, real), logit(d, g[0] + g[1] * z))

    def g_loss(g, d):
        return generator_loss[loss](logit(d, g[0] + g[1] * g_noise))

    d, g = params[:2], params[2:]
    for real, z in zip(reals, d_noise):  # ascent on V = descent on D's loss -V
        d = d - lr * jax.grad(d_loss)(d, g, real, z)
    g = g - lr * jax.grad(g_loss)(g, d)
    return np.asarray(jnp.concatenate([d, g]))


def _toy_cases() -> list[tuple]:
    """Hidden inputs of the code exercise: both losses, k = 1, 2 and 3, m = 16."""
    rng = np.random.default_rng(2014)
    cases = []
    for k, loss in ((1, "minimax"), (1, "non_saturating"), (2, "minimax"), (3, "non_saturating")):
        params = np.array([rng.normal(1.0, 0.5), rng.normal(0.0, 0.5), rng.normal(1.0, 0.5),
                           rng.uniform(0.5, 1.5)])
        cases.append((params, rng.normal(3.0, 0.8, (k, 16)), rng.normal(size=(k, 16)),
                      rng.normal(size=16), 0.1, loss))
    return cases


def _dstar_half() -> float:
    xs = np.asarray(div.grid(-2.0, 7.0, 9001), dtype=np.float64)  # both densities > 0 here
    d_star = np.asarray(div.optimal_discriminator(DATA, CROSSING_G, xs), dtype=np.float64)
    above = np.flatnonzero((d_star[:-1] < 0.5) != (d_star[1:] < 0.5))
    if above.size != 1:
        raise RuntimeError("D* should cross 1/2 exactly once for this pair")
    i = int(above[0])
    t = (0.5 - d_star[i]) / (d_star[i + 1] - d_star[i])
    return float(xs[i] + t * (xs[i + 1] - xs[i]))


def _gradient_ratio() -> float:
    logit = jnp.full((1,), math.log(REJECTED_D / (1.0 - REJECTED_D)), jnp.float32)
    minimax = jax.grad(losses.minimax_g)(logit)[0]
    non_saturating = jax.grad(losses.non_saturating_g)(logit)[0]
    return float(abs(non_saturating) / abs(minimax))


def _data_drawn() -> int:
    from ganlab import training

    config = training.GANConfig(k=DRAWN_K, batch_size=DRAWN_M, steps=DRAWN_ITERATIONS)
    per_step = training.GANRun(config, DATA).minibatches(1).reals
    return int(per_step.shape[0] * per_step.shape[1]) * config.steps


register(Exercise(
    id="03.algorithm1_step",
    question=(
        "Write one iteration of Algorithm 1 with plain gradient steps for D(x) = sigmoid(w x + b) "
        "and G(z) = mu + sigma z: algorithm1_step(params, reals, d_noise, g_noise, lr, loss) "
        "with params = (w, b, mu, sigma), reals and d_noise of shape (k, m), g_noise of shape "
        "(m,); return the new (w, b, mu, sigma)."
    ),
    expected=toy_algorithm1_step,
    hint=(
        "D goes up V (so down D's loss -V), G goes down its loss, both by lr times a gradient. "
        "Take D's k steps one after another, step j on reals[j] and d_noise[j] with G fixed; "
        "then one step of G on g_noise, through the updated D. loss='minimax' is "
        "mean log(1 - D(G(z))), 'non_saturating' is -mean log D(G(z))."
    ),
    kind="code",
    cases=_toy_cases,
))

register(Exercise(
    id="03.dstar_half",
    question=(
        "p_data = N(3, 0.8^2) and p_G = N(1.5, 0.8^2). At which x is the best discriminator "
        "D*(x) exactly 1/2?"
    ),
    expected=_dstar_half,
    hint=(
        "D*(x) = 1/2 where p_data(x) = p_G(x). Two normal densities of the same width are "
        "mirror images of each other; where is the mirror?"
    ),
    kind="number",
))

register(Exercise(
    id="03.gradient_ratio",
    question=(
        f"D(G(z)) = {REJECTED_D} on a fake. How many times larger is the gradient of the "
        "non-saturating loss -log D(G(z)) than that of the minimax loss log(1 - D(G(z))), both "
        "taken with respect to D's logit l (D = sigmoid(l))?"
    ),
    expected=_gradient_ratio,
    hint=(
        "Use d sigmoid(l) / dl = sigmoid(l) (1 - sigmoid(l)) and the chain rule: each "
        "derivative is one of D or 1 - D, up to its sign."
    ),
    kind="number",
))

register(Exercise(
    id="03.data_drawn",
    question=(
        f"Algorithm 1 with k = {DRAWN_K} and minibatch size m = {DRAWN_M} runs for "
        f"{DRAWN_ITERATIONS:,} training iterations. How many data points x does it draw in "
        "total?"
    ),
    expected=_data_drawn,
    hint=(
        "Count one training iteration first: each of D's steps gets its own fresh minibatch "
        "of data, and the generator's step draws noise only."
    ),
    kind="number",
))
