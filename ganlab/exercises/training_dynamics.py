"""Exercises of notebook 05: GAN training dynamics (the heat map, collapse, mode coverage, packing,
the generator's gradient under either loss).

Each expected answer is computed here with ganlab's distributions, divergences, metrics, losses and
training engine when it is checked.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab import losses, metrics
from ganlab.exercises import Exercise, register
from ganlab.training import GANConfig, GANRun

__all__ = ["COLLAPSE", "COLLAPSE_AT", "COVERAGE_SHARES", "MISSED_AT", "PACK",
           "generator_gradients"]

COLLAPSE = (dist.Mixture([dist.Normal(-2.0, 0.5), dist.Normal(2.0, 0.5)]),  # p_data
            dist.Normal(2.0, 0.5))                                         # p_G on one mode
COLLAPSE_AT = 2.0
MISSED_AT = -2.0
COVERAGE_SHARES = (0.5, 0.2, 0.3)
"""Shares of the generator's samples: exactly on ring mode 0, exactly on mode 1, at the centre."""
PACK = 4


def _heat_at_equilibrium() -> float:
    ring = dist.ring(scale=0.3)  # wide modes: the density is positive over the whole plane
    points = jnp.asarray(np.random.default_rng(0).uniform(-1.5, 1.5, (64, 2)), jnp.float32)
    values = np.asarray(div.optimal_discriminator(ring, ring, points))
    if not np.allclose(values, values[0]):
        raise RuntimeError("D* should be the same everywhere when p_G = p_data")
    return float(values[0])


def _dstar_collapse(x: float = COLLAPSE_AT) -> float:
    return float(div.optimal_discriminator(*COLLAPSE, x))


def _coverage() -> tuple[int, float]:
    """mode_coverage of the samples of the high-quality exercise."""
    ring = dist.ring()
    modes = np.asarray(ring.modes)
    n = 1000
    counts = [int(round(s * n)) for s in COVERAGE_SHARES]
    samples = np.concatenate([np.repeat(modes[:1], counts[0], 0),
                              np.repeat(modes[1:2], counts[1], 0),
                              np.zeros((counts[2], 2))])
    return metrics.mode_coverage(samples, modes, ring.scale)


def generator_gradients(d_fake) -> np.ndarray:
    """``(2, n)``: the derivative of each fake's generator loss with respect to D's logit l
    (D = sigmoid(l)), for D(G(z)) values ``d_fake`` ``(n,)`` in (0, 1): row 0 for the minimax
    loss log(1 − D), row 1 for the non-saturating −log D. By ``jax.grad`` of
    :func:`ganlab.losses.minimax_g` and :func:`ganlab.losses.non_saturating_g` on one fake."""
    d = jnp.asarray(d_fake, jnp.float32)
    logits = jnp.log(d) - jnp.log1p(-d)

    def per_fake(loss):
        return jax.vmap(jax.grad(lambda logit: loss(logit[None])))(logits)

    return np.stack([np.asarray(per_fake(losses.minimax_g)),
                     np.asarray(per_fake(losses.non_saturating_g))])


def _gradient_cases() -> list[tuple]:
    """Hidden D(G(z)) values: D sure the fakes are fake, unsure, fooled; and a random batch."""
    rng = np.random.default_rng(5)
    return [(np.array([0.002, 0.03, 0.5, 0.8, 0.995]),),
            (np.sort(rng.uniform(0.001, 0.999, 7)),),
            (np.array([0.25]),)]


def _packed_inputs() -> int:
    run = GANRun(GANConfig(pack=PACK, latent_dim=2, hidden=(8,), batch_size=8 * PACK),
                 dist.ring())
    return int(run.discriminator.net.layers[0].in_features)


register(Exercise(
    id="05.heat_at_equilibrium",
    question=(
        "The generator of the ring has become p_data exactly. What value does the best "
        "discriminator's heat map show at every point of the plane (where p_data > 0)?"
    ),
    expected=_heat_at_equilibrium,
    hint="D* = p_data / (p_data + p_G) with p_G = p_data.",
    kind="number",
))

register(Exercise(
    id="05.dstar_collapse",
    question=(
        "p_data = ½ N(−2, 0.5²) + ½ N(2, 0.5²) and the generator has collapsed onto one mode: "
        f"p_G = N(2, 0.5²). What is the optimal discriminator D*(x) at x = {COLLAPSE_AT}?"
    ),
    expected=_dstar_collapse,
    hint=(
        "At x = 2 the data density is half of N(2, 0.5²)'s peak (the other mode adds almost "
        "nothing), p_G is the full peak; D* = p_data / (p_data + p_G)."
    ),
    kind="number",
))

register(Exercise(
    id="05.dstar_missed",
    question=(
        "Same p_data and collapsed p_G = N(2, 0.5²). What is D*(x) at the mode the generator "
        f"missed, x = {MISSED_AT}?"
    ),
    expected=lambda: _dstar_collapse(MISSED_AT),
    hint=(
        "At x = −2, p_G is N(2, 0.5²) eight standard deviations from its mean: compare "
        "exp(−8²/2) with the data's density there."
    ),
    kind="number",
))

register(Exercise(
    id="05.high_quality",
    question=(
        f"On the 8-mode ring (σ = 0.01) a generator puts {COVERAGE_SHARES[0]:.0%} of its "
        f"samples exactly on one mode, {COVERAGE_SHARES[1]:.0%} exactly on a second mode and "
        f"{COVERAGE_SHARES[2]:.0%} at the centre (0, 0). What fraction of its samples are high "
        "quality (within 3σ of their nearest mode)?"
    ),
    expected=lambda: _coverage()[1],
    hint="The centre is 1 away from every mode, far more than 3σ = 0.03.",
    kind="number",
))

register(Exercise(
    id="05.modes_captured",
    question=(
        "The same generator: how many of the ring's 8 modes does it capture (a mode is captured "
        "when at least one sample within 3σ has it as its nearest mode)?"
    ),
    expected=lambda: _coverage()[0],
    hint="Only samples within 3σ count; which modes are they nearest to?",
    kind="number", rtol=0.0, atol=0.5,
))

register(Exercise(
    id="05.packed_inputs",
    question=(
        f"A PacGAN discriminator with pack = {PACK} judges 2D points. How many numbers does "
        "its first layer take in for one judgement?"
    ),
    expected=_packed_inputs,
    hint="It sees pack points side by side, each with its two coordinates.",
    kind="number",
))

register(Exercise(
    id="05.generator_gradients",
    question=(
        "Write generator_gradients(d_fake): for D(G(z)) values d_fake (n,) in (0, 1), with "
        "D = sigmoid(l) for D's logit l, return the pair (minimax, non_saturating): for each "
        "fake, the derivative with respect to l of log(1 − D) (the minimax generator loss) and "
        "of −log D (the non-saturating one), two arrays of shape (n,)."
    ),
    expected=generator_gradients,
    hint=("sigmoid'(l) = D (1 − D). The chain rule then gives each derivative in terms of D "
          "alone; return them in the order (minimax, non_saturating)."),
    kind="code", cases=_gradient_cases,
))
