"""Exercises of notebook 04: from maximum likelihood (KL) to the Jensen-Shannon divergence.

Each expected answer is computed here with ganlab's exact divergences when it is checked.
"""

from __future__ import annotations

import math

import numpy as np

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab.exercises import Exercise, register

__all__ = ["DSTAR_AT", "DSTAR_PAIR", "MAX_V_PAIR", "DISJOINT_PAIR", "BIMODAL"]

# The settings each question refers to (the notebook prints the same ones).
DSTAR_AT = 0.5
DSTAR_PAIR = (dist.Normal(0.0, 1.0), dist.Normal(2.0, 1.0))        # (p_data, p_G)
MAX_V_PAIR = (dist.Normal(0.0, 1.0), dist.Normal(1.0, 2.0))        # (p_data, p_G)
DISJOINT_PAIR = (dist.Uniform(0.0, 1.0), dist.Uniform(2.0, 3.0))   # (p_data, p_G)
BIMODAL = dist.Mixture([dist.Normal(-3.0, 0.5), dist.Normal(3.0, 0.5)])


def _grid():
    return div.grid(-16.0, 16.0, 6401)


def _dstar_at_point() -> float:
    return float(div.optimal_discriminator(*DSTAR_PAIR, DSTAR_AT))


def _max_v() -> float:
    return div.compare(*MAX_V_PAIR, _grid())["v_star"]


def _jsd_disjoint() -> float:
    return div.jsd(*DISJOINT_PAIR, div.grid(-1.0, 4.0, 2001))


def _mode_seeking() -> str:
    xs = _grid()
    # One Gaussian that covers both modes (same mean and variance as BIMODAL) and one that
    # sits on a single mode. The mode-seeking divergence is the one preferring the latter.
    centres = np.asarray(BIMODAL.modes).reshape(-1)
    spread = math.sqrt(0.5**2 + float(np.mean(centres**2)))
    cover = dist.Normal(float(np.mean(centres)), spread)
    one_mode = dist.Normal(float(centres[-1]), 0.5)
    forward_prefers_one_mode = div.kl(BIMODAL, one_mode, xs) < div.kl(BIMODAL, cover, xs)
    reverse_prefers_one_mode = div.kl(one_mode, BIMODAL, xs) < div.kl(cover, BIMODAL, xs)
    if forward_prefers_one_mode == reverse_prefers_one_mode:
        raise RuntimeError("the two KL directions should disagree on this example")
    return "reverse" if reverse_prefers_one_mode else "forward"


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

register(Exercise(
    id="04.jsd_disjoint",
    question="p_data = U(0, 1) and p_G = U(2, 3). What is JSD(p_data || p_G) in nats?",
    expected=_jsd_disjoint,
    hint=(
        "Where only p_data has mass, the mixture m = (p_data + p_G)/2 is half of p_data, so "
        "log(p_data / m) is the same number everywhere there. The same holds for p_G."
    ),
    kind="number",
))

register(Exercise(
    id="04.mode_seeking",
    question=(
        "Fitting one Gaussian p_G to a two-mode p_data: which KL is mode seeking (p_G settles "
        'on one mode)? Answer "forward" for KL(p_data || p_G) or "reverse" for '
        "KL(p_G || p_data)."
    ),
    expected=_mode_seeking,
    hint=(
        "Ask which expectation each KL takes. The one averaged over p_data's samples punishes "
        "p_G wherever data lives and p_G has almost no mass; the other one only looks where "
        "p_G itself puts mass."
    ),
    kind="choice",
))
