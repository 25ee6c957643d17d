"""Every notebook's exercises: right answers pass, wrong ones and None fail, hints keep the answer.

The right answers are computed here independently of ganlab (closed forms and scipy
quadrature), so a bug in ganlab cannot make an exercise agree with itself.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ganlab import exercises


def _jsd_by_quad(p, q, low, high):
    def term(a, b):
        def f(x):
            pa, pb = a(x), b(x)
            return 0.0 if pa == 0.0 else pa * math.log(pa / (0.5 * (pa + pb)))

        return integrate.quad(f, low, high, limit=200)[0]

    return 0.5 * term(p, q) + 0.5 * term(q, p)


def _dstar():
    p, q = stats.norm(0, 1).pdf(0.5), stats.norm(2, 1).pdf(0.5)
    return p / (p + q)


def _max_v():
    p, q = stats.norm(0, 1).pdf, stats.norm(1, 2).pdf
    return -2 * math.log(2) + 2 * _jsd_by_quad(p, q, -30, 30)


def _dstar_collapse(x=2.0):
    p = 0.5 * stats.norm(-2, 0.5).pdf(x) + 0.5 * stats.norm(2, 0.5).pdf(x)
    q = stats.norm(2, 0.5).pdf(x)
    return p / (p + q)


def _generator_gradients(d_fake):
    d = np.asarray(d_fake, np.float64)
    return -d, -(1.0 - d)


def _shift_or_blur():
    # The black-and-white test digits, shifted one pixel down (zero fill) vs blurred with
    # scipy's Gaussian 3 pixels wide.
    from scipy import ndimage
    from sklearn.datasets import load_digits

    images = (load_digits().images[-297:] / 16.0 >= 0.5).astype(float)
    shifted = np.zeros_like(images)
    shifted[:, 1:, :] = images[:, :-1, :]
    blurred = ndimage.gaussian_filter(images, sigma=(0, 3.0, 3.0), mode="constant")
    worse = np.mean((shifted - images) ** 2) > np.mean((blurred - images) ** 2)
    return "shifted" if worse else "blurred"


def _bernoulli_nll(logits, x, *, reduce=np.sum):
    """-log p(x | z) of black-and-white pixels, per image; reduce=np.mean is the usual slip."""
    logits, x = np.asarray(logits, np.float64), np.asarray(x, np.float64)
    p = 1.0 / (1.0 + np.exp(-logits))
    per_pixel = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    return reduce(per_pixel.reshape(len(x), -1), axis=1)


def _gaussian_kl(mean, log_var, *, log_of_std=False):
    """KL(N(mean, exp(log_var)) || N(0, I)) per row; log_of_std=True forgets the log is of σ²."""
    mean, log_var = np.asarray(mean, np.float64), np.asarray(log_var, np.float64)
    var = np.exp(0.5 * log_var) if log_of_std else np.exp(log_var)
    return 0.5 * np.sum(mean**2 + var - 1.0 - log_var, axis=1)


def _reparameterise(mean, log_var, eps, *, variance_for_std=False):
    scale = np.exp(log_var) if variance_for_std else np.exp(0.5 * np.asarray(log_var))
    return np.asarray(mean) + scale * np.asarray(eps)


def _sharpness(images, down=True):
    """Mean |difference| of vertical neighbours plus that of horizontal ones, per image."""
    x = np.asarray(images, np.float64)[..., 0]
    across = np.abs(x[:, :, 1:] - x[:, :, :-1]).mean(axis=(1, 2))
    vertical = np.abs(x[:, 1:, :] - x[:, :-1, :]).mean(axis=(1, 2))
    return across + (vertical if down else across)


def _critic_loss(critic, real, fake, eps, root=True):
    """WGAN-GP's critic loss, λ = 10; root=False penalises ‖∇f‖² − 1 instead of ‖∇f‖ − 1."""
    import jax
    import jax.numpy as jnp

    x_hat = eps * real + (1 - eps) * fake
    grads = np.asarray(jax.grad(lambda x: jnp.sum(critic(x)))(jnp.asarray(x_hat)), np.float64)
    sq = np.sum(grads**2, axis=1)
    size = np.sqrt(sq) if root else sq
    scores = [np.asarray(critic(jnp.asarray(a)), np.float64) for a in (fake, real)]
    return scores[0].mean() - scores[1].mean() + 10.0 * np.mean((size - 1.0) ** 2)


def _toy_step(params, reals, d_noise, g_noise, lr, loss, *, d_sign=-1.0):
    """Algorithm 1 for D(x) = sigmoid(w x + b), G(z) = mu + sigma z, gradients by hand in
    float64. d_sign=+1 is the classic slip: D *descends* V."""

    def sig(t):
        return 1.0 / (1.0 + np.exp(-t))

    w, b, mu, sigma = np.asarray(params, np.float64)
    for real, z in zip(reals, d_noise):
        fake = mu + sigma * z
        up_r, down_f = 1.0 - sig(w * real + b), sig(w * fake + b)  # dV/dl on real, -dV/dl on fake
        grad_w = np.mean(up_r * real) - np.mean(down_f * fake)        # dV/dw
        grad_b = np.mean(up_r) - np.mean(down_f)
        w, b = w - d_sign * lr * grad_w, b - d_sign * lr * grad_b
    s = sig(w * (mu + sigma * g_noise) + b)
    dl = -s if loss == "minimax" else -(1.0 - s)  # d(G's loss)/d(logit) per fake
    return np.array([w, b, mu - lr * np.mean(dl * w), sigma - lr * np.mean(dl * w * g_noise)])


def _dstar_code(p_data, p_g, x):
    """D* from the two log densities: sigmoid of their difference, 1/2 where both are -inf."""
    lp = np.asarray(p_data.log_prob(x), np.float64)
    lq = np.asarray(p_g.log_prob(x), np.float64)
    both_zero = np.isneginf(lp) & np.isneginf(lq)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(both_zero, 0.5, 1.0 / (1.0 + np.exp(np.where(both_zero, 0.0, lq - lp))))


def _dstar_naive(p_data, p_g, x):
    p, q = np.asarray(p_data.prob(x), np.float64), np.asarray(p_g.prob(x), np.float64)
    with np.errstate(invalid="ignore"):
        return p / (p + q)


def _jsd_code(p, q, xs, *, log=np.log, halves=True):
    """JSD by a Riemann sum on the grid; log=np.log2 gives bits, halves=False forgets the ½."""
    dx, m = xs[1] - xs[0], 0.5 * (p + q)

    def kl_to_m(a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return dx * np.sum(np.where(a > 0, a * log(a / m), 0.0))

    return (0.5 if halves else 1.0) * (kl_to_m(p) + kl_to_m(q))


# id -> (a right answer, a wrong answer)
ANSWERS = {
    # notebook 01: auto-encoders
    # 22.18 nats over 64 pixels, 1 bit = log 2 nats.
    "01.bits_per_pixel": (lambda: 22.18 / math.log(2) / 64, lambda: 22.18 / 64),
    "01.interpolation": (lambda: 0.75 * -2 + 0.25 * 4, lambda: 1.0),
    "01.reconstruction_loss": (lambda: _bernoulli_nll,
                               lambda: lambda l, x: _bernoulli_nll(l, x, reduce=np.mean)),
    # notebook 02: VAEs
    "02.kl": (lambda: _gaussian_kl, lambda: lambda m, lv: _gaussian_kl(m, lv, log_of_std=True)),
    "02.reparameterised": (lambda: _reparameterise,
                           lambda: lambda m, lv, e: _reparameterise(m, lv, e,
                                                                    variance_for_std=True)),
    "02.shift_or_blur": (_shift_or_blur, lambda: "shifted"),
    # notebook 03: the GAN game and Algorithm 1
    "03.algorithm1_step": (lambda: _toy_step,
                           lambda: lambda *case: _toy_step(*case, d_sign=1.0)),
    # Equal widths: the densities cross halfway between the means 3 and 1.5.
    "03.dstar_half": (lambda: (3.0 + 1.5) / 2, lambda: 3.0),
    # |d(-log sigmoid l)/dl| / |d log(1 - sigmoid l)/dl| = (1 - D) / D at D = 0.01.
    "03.gradient_ratio": (lambda: (1 - 0.01) / 0.01, lambda: 1.0),
    # k fresh minibatches of m data points per iteration.
    "03.data_drawn": (lambda: 3 * 64 * 1000, lambda: 64 * 1000),
    # notebook 04: from maximum likelihood (KL) to the JSD
    "04.dstar": (_dstar, lambda: 1 - _dstar()),
    "04.max_v": (_max_v, lambda: -2 * math.log(2)),
    "04.dstar_code": (lambda: _dstar_code, lambda: _dstar_naive),
    "04.jsd_code": (lambda: _jsd_code, lambda: lambda p, q, xs: _jsd_code(p, q, xs, log=np.log2)),
    # notebook 05: training dynamics
    # p_G = p_data: D* = p / (p + p) = 1/2 wherever p > 0.
    "05.heat_at_equilibrium": (lambda: 0.5, lambda: 1.0),
    # x = 2: p_data = ½ N(2; -2, .5) + ½ N(2; 2, .5), p_G = N(2; 2, .5).
    "05.dstar_collapse": (lambda: _dstar_collapse(), lambda: 0.5),
    # x = -2: p_G = N(-2; 2, .5) is 8 standard deviations out, so D* is all but 1.
    "05.dstar_missed": (lambda: _dstar_collapse(-2.0), lambda: 0.5),
    # only the samples exactly on a mode are within 3σ = 0.03 of one.
    "05.high_quality": (lambda: 0.5 + 0.2, lambda: 1.0),
    # the two modes the samples sit on; the centre is near no mode.
    "05.modes_captured": (lambda: 2, lambda: 3),
    # d/dl log(1 - sigmoid l) = -D, d/dl (-log sigmoid l) = -(1 - D); wrong: d/dD instead.
    "05.generator_gradients": (lambda: _generator_gradients,
                               lambda: lambda d: (-1 / (1 - np.asarray(d)), -1 / np.asarray(d))),
    # 4 points of 2 coordinates side by side.
    "05.packed_inputs": (lambda: 4 * 2, lambda: 2),
    # notebook 06: a DCGAN on digits; 28 -> ceil(28 / 2) = 14 -> 7.
    "06.feature_map": (lambda: 7, lambda: 6),
    # linear 16 -> 2·2·64, conv 3×3 64 -> 32, conv 3×3 32 -> 1, all with biases.
    "06.generator_parameters": (lambda: (16 * 256 + 256) + (9 * 64 * 32 + 32) + (9 * 32 + 1),
                                lambda: 16 * 256 + 9 * 64 * 32 + 9 * 32),
    "06.sharpness": (lambda: _sharpness, lambda: lambda images: 2 * _sharpness(images, down=False)),
    # notebook 07: architectures
    "07.cgan_input": (lambda: 16 + 10, lambda: 17),
    # Disjoint supports: χ²(p_G ‖ m) = ∫ p_G/2 + ∫ p_data/2 = 1 (the JSD would be log 2).
    "07.lsgan_disjoint": (lambda: 1.0, lambda: math.log(2)),
    "07.critic_loss": (lambda: _critic_loss, lambda: lambda *case: _critic_loss(*case, root=False)),
    # N(0, 1) -> N(0, 2²): each quantile z moves to 2z, so W1 = E|z| = sqrt(2/π).
    "07.wasserstein": (lambda: math.sqrt(2 / math.pi), lambda: 1.0),
}


def test_every_exercise_is_tested():
    assert set(exercises.exercise_ids()) == set(ANSWERS)


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_right_answer_accepted(exercise_id, capsys):
    right, _ = ANSWERS[exercise_id]
    assert exercises.check(exercise_id, right()) is True
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_wrong_answer_refused(exercise_id):
    _, wrong = ANSWERS[exercise_id]
    assert exercises.check(exercise_id, wrong(), quiet=True) is False


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_none_refused(exercise_id, capsys):
    assert exercises.check(exercise_id, None) is False
    assert "not answered yet" in capsys.readouterr().out


def test_unknown_exercise_is_a_value_error():
    with pytest.raises(ValueError, match="unknown exercise"):
        exercises.check("99.nothing", 1.0)


def test_a_near_miss_is_refused():
    assert exercises.check("03.dstar_half", 2.3, quiet=True) is False
    assert exercises.check("03.gradient_ratio", 100.0, quiet=True) is False


def test_choice_is_case_and_space_insensitive():
    from ganlab.exercises import _REGISTRY, Exercise, register

    register(Exercise("test.choice", "which?", lambda: "reverse", "think", kind="choice"))
    try:
        assert exercises.check("test.choice", "  Reverse ", quiet=True) is True
        assert exercises.check("test.choice", 1, quiet=True) is False
    finally:
        _REGISTRY.pop("test.choice", None)


def test_the_jsd_code_exercise_catches_the_usual_slips():
    def kl_to_mixture_only(p, q, xs):  # KL(p || m) alone: right only for a symmetric pair
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * np.log(p / (0.5 * (p + q))), 0.0)
        return (xs[1] - xs[0]) * np.sum(terms)

    assert not exercises.check("04.jsd_code",
                               lambda p, q, xs: _jsd_code(p, q, xs, halves=False), quiet=True)
    assert not exercises.check("04.jsd_code", kl_to_mixture_only, quiet=True)


def test_the_generator_gradient_exercise_checks_both_losses_in_order():
    def swapped(d):
        return tuple(reversed(_generator_gradients(d)))

    def minimax_only(d):
        return _generator_gradients(d)[0], _generator_gradients(d)[0]

    assert not exercises.check("05.generator_gradients", swapped, quiet=True)
    assert not exercises.check("05.generator_gradients", minimax_only, quiet=True)


def _spellings(answer):
    if callable(answer):  # a code exercise: its answer is a function, never printed
        return set()
    if isinstance(answer, str):
        return {answer.lower()}
    out = {f"{answer:.{d}f}" for d in (2, 3, 4, 5)}
    out |= {f"{answer:.3g}", f"{answer:.4g}", repr(answer), f"{answer:,.0f}"}
    return {s for s in out if len(s.strip("-0.")) > 1}  # "99" or "2.25", not a lone digit


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_printed_hint_does_not_give_the_answer(exercise_id, capsys):
    right, wrong = ANSWERS[exercise_id]
    exercises.check(exercise_id, wrong())
    printed = capsys.readouterr().out.lower()
    assert "hint" in printed
    for spelling in _spellings(right()):
        assert spelling not in printed, spelling


def test_a_code_exercise_runs_the_students_function_on_hidden_inputs(capsys):
    from ganlab.exercises import Exercise, _REGISTRY, register

    register(Exercise("test.square", "square x", lambda x: np.asarray(x) ** 2, "multiply",
                      kind="code", cases=lambda: [(np.arange(3.0),), (np.array([-2.0]),)]))
    try:
        assert exercises.check("test.square", lambda x: x * x)
        assert not exercises.check("test.square", lambda x: x + x)  # right on 0 and 2 only
        assert not exercises.check("test.square", 4.0)
        assert not exercises.check("test.square", lambda x: undefined_name)  # noqa: F821
        assert "raised NameError" in capsys.readouterr().out
        with pytest.raises(ValueError, match="needs cases"):
            register(Exercise("test.bad", "q", lambda: 1, "h", kind="code"))
    finally:
        _REGISTRY.pop("test.square", None)
