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

__all__ = ["DATA", "CROSSING_G", "REJECTED_D", "DRAWN_K", "DRAWN_M", "DRAWN_ITERATIONS"]

# The settings each question refers to (the notebook prints the same ones).
DATA = dist.Normal(3.0, 0.8)            # p_data of the notebook
CROSSING_G = dist.Normal(1.5, 0.8)      # a generator to the left of the data
REJECTED_D = 0.01                       # D's output on a fake it confidently rejects
DRAWN_K, DRAWN_M, DRAWN_ITERATIONS = 3, 64, 1000


def _value_at_equilibrium() -> float:
    xs = div.grid(-6.0, 12.0, 4001)
    return div.value(DATA, DATA, div.optimal_discriminator(DATA, DATA, xs), xs)


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
    id="03.value_at_equilibrium",
    question=(
        "p_data = p_G = N(3, 0.8^2) and D is the best discriminator D*. What is V(G, D) in "
        "nats?"
    ),
    expected=_value_at_equilibrium,
    hint=(
        "When p_G = p_data, D*(x) is the same number at every x. Both expectations in V are "
        "then the log of a constant; add them up."
    ),
    kind="number",
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
