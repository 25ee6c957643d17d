"""Exercises of notebook 04: from maximum likelihood (KL) to the Jensen-Shannon divergence.

Each expected answer is computed here with ganlab's exact divergences when it is checked.
"""

from __future__ import annotations

import numpy as np

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab.exercises import Exercise, register

__all__ = ["DSTAR_AT", "DSTAR_PAIR", "MAX_V_PAIR", "jsd_on_grid"]

# The settings each question refers to (the notebook prints the same ones).
DSTAR_AT = 0.5
DSTAR_PAIR = (dist.Normal(0.0, 1.0), dist.Normal(2.0, 1.0))        # (p_data, p_G)
MAX_V_PAIR = (dist.Normal(0.0, 1.0), dist.Normal(1.0, 2.0))        # (p_data, p_G)

# Hidden pairs (p_data, p_G) of the code exercises: overlapping, lopsided, disjoint, one-sided.
_PAIRS = (
    (dist.Normal(0.0, 1.0), dist.Normal(1.5, 0.5)),
    (dist.Mixture([dist.Normal(-2.0, 0.5), dist.Normal(2.0, 0.7)], weights=[0.3, 0.7]),
     dist.Normal(1.0, 2.0)),
    (dist.Uniform(-1.0, 1.0), dist.Uniform(2.0, 3.0)),
    (dist.Uniform(0.0, 2.0), dist.Normal(0.5, 1.0)),
)


def _grid():
    return div.grid(-16.0, 16.0, 6401)


def _dstar_at_point() -> float:
    return float(div.optimal_discriminator(*DSTAR_PAIR, DSTAR_AT))


def _max_v() -> float:
    return div.compare(*MAX_V_PAIR, _grid())["v_star"]


register(Exercise(
    id="04.dstar",
    question=(
        f"p_data = N(0, 1) and p_G = N(2, 1). What is the optimal discriminator D*(x) at "
        f"x = {DSTAR_AT}? (a number in [0, 1])"
    ),
    expected=_dstar_at_point,
    hint=(
        "D*(x) = p_data(x) / (p_data(x) + p_G(x)). Dividing by p_data(x) turns it into "
        "1 / (1 + p_G(x) / p_data(x)); the log of that density ratio is a difference of two "
        "squares over 2."
    ),
    kind="number",
))

register(Exercise(
    id="04.max_v",
    question=(
        "p_data = N(0, 1) and p_G = N(1, 2) (standard deviation 2). What is max_D V(G, D) in "
        "nats?"
    ),
    expected=_max_v,
    hint=(
        "The best discriminator is D*, and V(G, D*) = -2 log 2 + 2 JSD(p_data || p_G). "
        "div.compare gives both sides on a grid wide enough for both densities."
    ),
    kind="number",
))

def _dstar_cases() -> list[tuple]:
    """Points in the bulk, in the far tails (both densities underflow there, even in float64)
    and outside the uniforms' supports."""
    x = np.array([-45.0, -6.0, -1.0, -0.3, 0.0, 0.7, 1.2, 2.5, 3.0, 9.0, 40.0], np.float32)
    return [(p, q, x) for p, q in _PAIRS]


def _dstar_code(p_data, p_g, x):
    return np.asarray(div.optimal_discriminator(p_data, p_g, x))


def jsd_on_grid(p, q, xs) -> float:
    """The library's JSD in nats of the densities whose values ``p``, ``q`` ``(n,)`` are given
    on the evenly spaced points ``xs`` ``(n,)``."""
    return div.jsd(dist.Tabulated(xs, p), dist.Tabulated(xs, q), xs)


def _jsd_cases() -> list[tuple]:
    xs = np.linspace(-10.0, 10.0, 8001)
    return [(np.asarray(p.prob(xs), np.float64), np.asarray(q.prob(xs), np.float64), xs)
            for p, q in _PAIRS]


register(Exercise(
    id="04.dstar_code",
    question=(
        "Write d_star(p_data, p_g, x): the optimal discriminator at the points x (an array), "
        "for any two ganlab distributions (they have .prob and .log_prob). It must be right "
        "everywhere, also far out in the tails where both densities are too small for a float, "
        "and 1/2 where both densities are exactly 0."
    ),
    expected=_dstar_code,
    hint=(
        "p / (p + q) is 0 / 0 where both densities underflow. Its log-odds "
        "log(D* / (1 - D*)) is log p_data(x) - log p_G(x), which stays a finite number there: "
        "apply the sigmoid to it. Where both log densities are -inf that difference is NaN: "
        "put 1/2 there (np.where)."
    ),
    kind="code",
    cases=_dstar_cases,
))

register(Exercise(
    id="04.jsd_code",
    question=(
        "Write jsd(p, q, xs): the Jensen-Shannon divergence in nats of two densities given by "
        "their values p and q (arrays) on the evenly spaced points xs. Turn each integral into "
        "a sum over the grid (times the spacing)."
    ),
    expected=jsd_on_grid,
    hint=(
        "JSD = 1/2 KL(p || m) + 1/2 KL(q || m) with m = (p + q) / 2, and KL(p || m) is the "
        "integral of p log(p / m). Use natural logarithms, and let the points where a density "
        "is 0 add nothing (0 log 0 = 0): np.where, not a bare log."
    ),
    kind="code",
    rtol=1e-2,
    atol=1e-3,
    cases=_jsd_cases,
))
