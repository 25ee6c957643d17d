"""GAN losses as pure functions of the discriminator's raw outputs ("logits").

Each loss is a pair of functions, both *minimised* (the discriminator's ascent on V is a
descent on −V):

- ``discriminator(real_logits, fake_logits)``: logits of shape ``(n,)`` -> scalar
- ``generator(fake_logits)``: logits of shape ``(n,)`` -> scalar

With D(x) = sigmoid(l) the cross-entropy forms are written with ``log_sigmoid``, which stays
finite for any finite logit: log D = log_sigmoid(l), log(1 − D) = log_sigmoid(−l).

=================  ==========================================  =================================
loss               discriminator                               generator
=================  ==========================================  =================================
minimax            −mean log D(x) − mean log(1 − D(G(z)))       mean log(1 − D(G(z)))
non_saturating     same as minimax                              −mean log D(G(z))
least_squares      ½ mean (l_real − 1)² + ½ mean l_fake²        ½ mean (l_fake − 1)²
least_squares_chi2 ½ mean (l_real − 1)² + ½ mean (l_fake + 1)²  ½ mean l_fake²
wasserstein_gp     mean f(fake) − mean f(real) (+ λ·GP)         −mean f(fake)
=================  ==========================================  =================================

"minimax" is Algorithm 1 of Goodfellow et al. (2014) exactly: G descends log(1 − D(G(z))).
For least squares and Wasserstein the raw output is the score itself (no sigmoid).

Least squares (Mao et al. 2017) with targets a (fake), b (real) for D and c for G: D's optimum
is D*(x) = (b p_data + a p_G) / (p_data + p_G), and G's objective at D* (adding the data term
½ E_data (D − c)², which G cannot change) is C(G) = ½ ∫ ((b − c) p_data + (a − c) p_G)² /
(p_data + p_G) dx. "least_squares" uses a = 0, b = c = 1: D* = p_data / (p_data + p_G), like the
cross-entropy optimum, and C(G) = ¼ + ¼ χ²(p_G ‖ m) with m = (p_data + p_G) / 2 and Pearson's
χ²(P ‖ Q) = ∫ (P − Q)² / Q. "least_squares_chi2" uses Mao et al.'s a = −1, b = 1, c = 0 (b − c = 1,
b − a = 2), for which C(G) = χ²(p_G ‖ m) exactly, written by them as ½ χ²(p_data + p_G ‖ 2 p_G).
The gradient penalty needs the critic as a function, so it is separate:
:func:`gradient_penalty`; the training loop adds it when ``LOSSES[name].gradient_penalty``.

The losses without a penalty are data of the compiled training step, not part of it
(:data:`SWITCHABLE`, :func:`switched`): one program serves all four, so switching among them
recompiles nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "GANLoss", "LOSSES", "get_loss", "gradient_penalty", "gradient_penalty_at", "r1_penalty",
    "minimax_d", "minimax_g", "non_saturating_g",
    "least_squares_d", "least_squares_g", "least_squares_chi2_d", "least_squares_chi2_g",
    "wasserstein_d", "wasserstein_g", "SWITCHABLE", "switched", "switch_index", "program_loss",
]


def minimax_d(real_logits: jax.Array, fake_logits: jax.Array) -> jax.Array:
    """−V(D, G) = −mean log D(x) − mean log(1 − D(G(z))); logits ``(n,)`` -> scalar.

    Binary cross-entropy with label 1 on real and 0 on fake; 2 log 2 ≈ 1.386 at D = 1/2.
    """
    return -jnp.mean(jax.nn.log_sigmoid(real_logits)) - jnp.mean(jax.nn.log_sigmoid(-fake_logits))


def minimax_g(fake_logits: jax.Array) -> jax.Array:
    """mean log(1 − D(G(z))) = mean log_sigmoid(−l); ``(n,)`` -> scalar; G descends it.

    Saturates (flat gradient) when D confidently rejects the fakes, l ≪ 0.
    """
    return jnp.mean(jax.nn.log_sigmoid(-fake_logits))


def non_saturating_g(fake_logits: jax.Array) -> jax.Array:
    """−mean log D(G(z)) = −mean log_sigmoid(l); ``(n,)`` -> scalar.

    Same fixed point as :func:`minimax_g`, strong gradients when D rejects the fakes.
    """
    return -jnp.mean(jax.nn.log_sigmoid(fake_logits))


def least_squares_d(real_logits: jax.Array, fake_logits: jax.Array, real_target: float = 1.0,
                    fake_target: float = 0.0) -> jax.Array:
    """LSGAN: ½ mean (D(x) − b)² + ½ mean (D(G(z)) − a)² with b = ``real_target``, a =
    ``fake_target`` (default 1 and 0); raw outputs ``(n,)`` -> scalar."""
    return (0.5 * jnp.mean(jnp.square(real_logits - real_target))
            + 0.5 * jnp.mean(jnp.square(fake_logits - fake_target)))


def least_squares_g(fake_logits: jax.Array, target: float = 1.0) -> jax.Array:
    """LSGAN: ½ mean (D(G(z)) − c)², c = ``target`` (default 1, the real target): G pulls its
    samples' scores to c; ``(n,)`` -> scalar."""
    return 0.5 * jnp.mean(jnp.square(fake_logits - target))


def least_squares_chi2_d(real_logits: jax.Array, fake_logits: jax.Array) -> jax.Array:
    """LSGAN with Mao et al.'s χ² targets: ½ mean (D(x) − 1)² + ½ mean (D(G(z)) + 1)²."""
    return least_squares_d(real_logits, fake_logits, real_target=1.0, fake_target=-1.0)


def least_squares_chi2_g(fake_logits: jax.Array) -> jax.Array:
    """LSGAN with Mao et al.'s χ² targets: ½ mean D(G(z))² (c = 0, halfway between a and b)."""
    return least_squares_g(fake_logits, target=0.0)


def wasserstein_d(real_logits: jax.Array, fake_logits: jax.Array) -> jax.Array:
    """WGAN critic: mean f(G(z)) − mean f(x), without the gradient penalty; ``(n,)`` -> scalar.

    Its negative estimates the Wasserstein-1 distance when f is 1-Lipschitz.
    """
    return jnp.mean(fake_logits) - jnp.mean(real_logits)


def wasserstein_g(fake_logits: jax.Array) -> jax.Array:
    """WGAN generator: −mean f(G(z)); ``(n,)`` -> scalar."""
    return -jnp.mean(fake_logits)


def gradient_penalty(
    critic: Callable[[jax.Array], jax.Array],
    real: jax.Array,
    fake: jax.Array,
    key: jax.Array,
    weight: float = 10.0,
) -> jax.Array:
    """WGAN-GP: λ · mean (‖∇f(x̂)‖ − 1)² at x̂ = ε x + (1 − ε) G(z), ε ~ U(0, 1) per sample.

    ``critic`` maps ``(n, ...)`` to ``(n,)`` with every sample scored independently (no batch
    statistics), so the gradient of the summed scores holds each sample's own gradient.
    ``real`` and ``fake`` have the same shape ``(n, ...)``; returns a scalar.
    """
    eps_shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    eps = jax.random.uniform(key, eps_shape, dtype=real.dtype)
    return gradient_penalty_at(critic, eps * real + (1.0 - eps) * fake, weight)


def gradient_penalty_at(
    critic: Callable[[jax.Array], jax.Array], points: jax.Array, weight: float = 10.0
) -> jax.Array:
    """λ · mean (‖∇f(x̂)‖ − 1)² at the given points x̂ ``(n, ...)``; returns a scalar.

    :func:`gradient_penalty` draws the points between real and fake samples and calls this.
    """
    sq = _squared_gradient_norms(critic, points)
    # sqrt has an infinite derivative at 0; a tiny floor keeps the penalty's gradient finite.
    norms = jnp.sqrt(sq + 1e-12)
    return weight * jnp.mean(jnp.square(norms - 1.0))


def _squared_gradient_norms(critic: Callable[[jax.Array], jax.Array], x: jax.Array) -> jax.Array:
    """‖∇ₓ critic(x)‖² of each sample: ``(n, ...)`` -> ``(n,)``."""
    grads = jax.grad(lambda x: jnp.sum(critic(x)))(x)
    return jnp.sum(jnp.square(grads).reshape(x.shape[0], -1), axis=1)


def r1_penalty(critic: Callable[[jax.Array], jax.Array], real: jax.Array,
               weight: float) -> jax.Array:
    """R1 (Mescheder et al. 2018): γ/2 · mean ‖∇ₓ l(x)‖² of the logits l at real points x.

    Zero-centred: it asks D to be flat where the data are, so D cannot keep sharpening its
    edge around the real points and the game settles instead of oscillating. ``critic`` as in
    :func:`gradient_penalty`; ``real`` ``(n, ...)``; returns a scalar.
    """
    return 0.5 * weight * jnp.mean(_squared_gradient_norms(critic, real))


class GANLoss(NamedTuple):
    """A named pair of losses; ``gradient_penalty`` says whether to add :func:`gradient_penalty`.

    ``probabilities`` says whether sigmoid(logit) is D(x) as a probability (cross-entropy
    losses); otherwise the raw output is the score.
    """

    name: str
    discriminator: Callable[[jax.Array, jax.Array], jax.Array]
    generator: Callable[[jax.Array], jax.Array]
    gradient_penalty: bool = False
    probabilities: bool = True


LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss("minimax", minimax_d, minimax_g),
    "non_saturating": GANLoss("non_saturating", minimax_d, non_saturating_g),
    "least_squares": GANLoss(
        "least_squares", least_squares_d, least_squares_g, probabilities=False
    ),
    "least_squares_chi2": GANLoss(
        "least_squares_chi2", least_squares_chi2_d, least_squares_chi2_g, probabilities=False
    ),
    "wasserstein_gp": GANLoss(
        "wasserstein_gp", wasserstein_d, wasserstein_g, gradient_penalty=True, probabilities=False
    ),
}


def get_loss(name: str) -> GANLoss:
    """The :class:`GANLoss` called ``name``; ``ValueError`` listing the allowed names."""
    if not isinstance(name, str) or name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {list(LOSSES)}")
    return LOSSES[name]


SWITCHABLE: tuple[str, ...] = tuple(name for name, loss in LOSSES.items()
                                    if not loss.gradient_penalty)
"""The losses one compiled training step computes, picked by their index here (data); a
gradient penalty changes the program itself, so ``wasserstein_gp`` has a program of its own."""


def switched(index: jax.Array) -> GANLoss:
    """The loss ``SWITCHABLE[index]`` for an ``index`` that is traced data (an int32 scalar).

    Each function computes every loss in :data:`SWITCHABLE` (a few operations on the logits)
    and keeps the chosen one with a select, whose gradient reaches only the chosen branch: the
    numbers are those of the chosen loss alone. (``lax.switch``, which runs one branch only,
    kept XLA from fusing the loss into the rest of the step: the 2×32 1D toy ran about 10 %
    slower; with the select, within 4 % of a program for one loss.) ``probabilities`` is a
    traced bool.
    """
    losses = [LOSSES[name] for name in SWITCHABLE]

    def pick(values):
        return jnp.select([index == i for i in range(len(values))], values)

    return GANLoss(
        "switched",
        lambda real, fake: pick([loss.discriminator(real, fake) for loss in losses]),
        lambda fake: pick([loss.generator(fake) for loss in losses]),
        probabilities=jnp.asarray([loss.probabilities for loss in losses])[index])


def switch_index(name: str) -> np.int32:
    """What a compiled step reads to pick loss ``name``: its place in :data:`SWITCHABLE` (0 for
    a loss with a penalty, which has a program of its own), a host scalar."""
    return np.int32(SWITCHABLE.index(name) if name in SWITCHABLE else 0)


def program_loss(name: str) -> str:
    """What of loss ``name`` shapes a compiled training step: "switchable" for the losses in
    :data:`SWITCHABLE`, else the name itself."""
    return "switchable" if get_loss(name).name in SWITCHABLE else name
