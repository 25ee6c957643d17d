"""Algorithm 1 written out by hand, against the library's training steps.

For the least-squares loss, WGAN-GP (k > 1, with its gradient penalty) and the conditional
image GAN, two training steps are taken here from a run's initial networks, on the very
minibatches the run draws (``GANRun.minibatches``), and compared with ``GANRun.train(2)``:
the history rows and every parameter. The networks are used only as functions of their
parameters; each loss is written below from its formula with ``jnp`` (not with
``ganlab.losses``), the penalty from its definition, and Adam is ``optax.adam`` on the
parameters, so a wrong loss, penalty, k-loop or optimiser setting in the library fails here.
(The minimax and non-saturating losses on points: ``tests/test_training.py``.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from ganlab import datasets
from ganlab import distributions as dist
from ganlab import training as tr


def _log_d(logits):
    """log D = log sigmoid(l) = −log(1 + e^−l)."""
    return -jnp.logaddexp(0.0, -logits)


def _log_one_minus_d(logits):
    """log(1 − D) = log sigmoid(−l) = −log(1 + e^l)."""
    return -jnp.logaddexp(0.0, logits)


class Formulas(NamedTuple):
    """D's loss of (real, fake) logits, G's loss of fake logits, and the recorded score."""

    d: Callable
    g: Callable
    score: Callable
    penalty: bool = False


FORMULAS = {
    # −V = −E log D(x) − E log(1 − D(G(z))); G ascends log D(G(z))
    "non_saturating": Formulas(
        d=lambda real, fake: -jnp.mean(_log_d(real)) - jnp.mean(_log_one_minus_d(fake)),
        g=lambda fake: -jnp.mean(_log_d(fake)),
        score=lambda logits: 1.0 / (1.0 + jnp.exp(-logits))),
    # LSGAN with targets 1 (real) and 0 (fake) for D, 1 for G
    "least_squares": Formulas(
        d=lambda real, fake: 0.5 * jnp.mean((real - 1.0) ** 2) + 0.5 * jnp.mean(fake**2),
        g=lambda fake: 0.5 * jnp.mean((fake - 1.0) ** 2),
        score=lambda logits: logits),
    # WGAN critic E f(G(z)) − E f(x) plus λ E (‖∇f(x̂)‖ − 1)²; G ascends E f(G(z))
    "wasserstein_gp": Formulas(
        d=lambda real, fake: jnp.mean(fake) - jnp.mean(real),
        g=lambda fake: -jnp.mean(fake),
        score=lambda logits: logits, penalty=True),
}


def _as_function(module):
    """``(f(params, x), params)``: an NNX module as a function of its parameters."""
    graphdef, params, rest = nnx.split(nnx.clone(module), nnx.Param, ...)
    return (lambda p, x: nnx.merge(graphdef, p, rest)(x)), params


def _gradient_penalty(f, params, real, fake, key, weight):
    """λ · mean over samples of (‖∇ₓ f(x̂)‖ − 1)², x̂ = ε x + (1 − ε) x_fake, ε ~ U(0, 1) per
    sample, drawn with the step's penalty key; each sample's gradient on its own (vmap)."""
    eps = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1))
    between = eps * real + (1.0 - eps) * fake
    grads = jax.vmap(jax.grad(lambda x: f(params, x[None])[0]))(between)
    norms = jnp.sqrt(jnp.sum(grads.reshape(grads.shape[0], -1) ** 2, axis=1))
    return weight * jnp.mean((norms - 1.0) ** 2)


def _algorithm1_by_hand(run: tr.GANRun, n_steps: int):
    """``n_steps`` iterations of Algorithm 1 from the run's current networks and fresh Adam
    states; returns (history rows ``(n_steps, 4)``, G's params, D's params)."""
    cfg = run.config
    formulas = FORMULAS[cfg.loss]
    f_g, params_g = _as_function(run.generator)
    f_d, params_d = _as_function(run.discriminator)
    adam_g = optax.adam(cfg.lr_generator, b1=cfg.beta1, b2=cfg.beta2)
    adam_d = optax.adam(cfg.lr_discriminator, b1=cfg.beta1, b2=cfg.beta2)
    state_g, state_d = adam_g.init(params_g), adam_d.init(params_d)
    rows = []
    for step in range(run.step + 1, run.step + n_steps + 1):
        batch = run.minibatches(step)
        d_rows = []
        for j in range(cfg.k):  # k steps on D, each on its own fresh minibatch
            real, fake = batch.reals[j], f_g(params_g, batch.d_noise[j])

            def d_loss(p, real=real, fake=fake, key=batch.penalty_keys[j]):
                real_logits, fake_logits = f_d(p, real), f_d(p, fake)
                value = formulas.d(real_logits, fake_logits)
                if formulas.penalty:
                    value = value + _gradient_penalty(f_d, p, real, fake, key, cfg.gp_weight)
                return value, (jnp.mean(formulas.score(real_logits)),
                               jnp.mean(formulas.score(fake_logits)))

            (value, (d_real, d_fake)), grads = jax.value_and_grad(d_loss, has_aux=True)(params_d)
            updates, state_d = adam_d.update(grads, state_d, params_d)
            params_d = optax.apply_updates(params_d, updates)
            d_rows.append([value, d_real, d_fake])

        def g_loss(p, z=batch.g_noise, params_d=params_d):  # one step on G, D as it is now
            return formulas.g(f_d(params_d, f_g(p, z)))

        g_value, grads = jax.value_and_grad(g_loss)(params_g)
        updates, state_g = adam_g.update(grads, state_g, params_g)
        params_g = optax.apply_updates(params_g, updates)
        d_value, d_real, d_fake = np.mean(np.asarray(d_rows, np.float64), axis=0)
        rows.append([d_value, float(g_value), d_real, d_fake])
    return np.asarray(rows), params_g, params_d


def _check_against_the_library(run: tr.GANRun, n_steps: int = 2):
    rows, params_g, params_d = _algorithm1_by_hand(run, n_steps)
    run.train(n_steps, progress=False)
    names = ("d_loss", "g_loss", "d_real", "d_fake")  # the columns of the rows above
    library = np.stack([run.history[name][-n_steps:] for name in names], axis=1)
    np.testing.assert_allclose(rows, library, rtol=1e-5, atol=1e-6)
    for mine, module in ((params_g, run.generator), (params_d, run.discriminator)):
        theirs = nnx.state(module, nnx.Param)
        for a, b in zip(jax.tree.leaves(mine), jax.tree.leaves(theirs), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    k = run.config.k
    assert run.optimizer_steps == {"generator": n_steps, "discriminator": k * n_steps}


def test_least_squares_steps_by_hand():
    cfg = tr.GANConfig(loss="least_squares", k=2, batch_size=32, hidden=(8, 8), steps=2,
                       seed=4)
    _check_against_the_library(tr.GANRun(cfg, dist.Normal(3.0, 0.8)))


def test_wasserstein_gp_steps_by_hand():
    # 2D data, so the penalty's gradient norms are over two coordinates; 3 critic steps each
    cfg = tr.GANConfig(loss="wasserstein_gp", k=3, batch_size=32, hidden=(8, 8), latent_dim=2,
                       steps=2, gp_weight=10.0, seed=5)
    _check_against_the_library(tr.GANRun(cfg, dist.ring(8, 1.0, 0.1)))


@pytest.fixture(scope="module")
def digits():
    return datasets.load("digits", "train")


def test_conditional_image_gan_steps_by_hand(digits):
    images, labels = digits
    cfg = tr.GANConfig(loss="non_saturating", k=2, batch_size=16, latent_dim=4,
                       channels=(8, 4), n_classes=10, steps=2, seed=6)
    run = tr.GANRun(cfg, images, labels=labels)
    batch = run.minibatches(1)
    # what D sees: 8x8 digits followed by 10 one-hot label planes; G's noise ends in a label
    assert batch.reals.shape == (2, 16, 8, 8, 11) and batch.g_noise.shape == (16, 14)
    _check_against_the_library(run)
