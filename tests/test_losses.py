import math

import hypothesis.extra.numpy as hnp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ganlab import losses

LOG2 = math.log(2.0)
logit_arrays = hnp.arrays(
    np.float32, st.integers(1, 16),
    elements=st.floats(-50, 50, allow_nan=False, width=32),
)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def test_registry_names_and_unknown_name():
    assert list(losses.LOSSES) == ["minimax", "non_saturating", "least_squares",
                                   "least_squares_chi2", "wasserstein_gp"]
    assert losses.get_loss("minimax").generator is losses.minimax_g
    with pytest.raises(ValueError, match="non_saturating"):
        losses.get_loss("hinge")


def test_closed_forms_at_zero_logits():
    zero = jnp.zeros(8)
    assert float(losses.minimax_d(zero, zero)) == pytest.approx(2 * LOG2, rel=1e-6)
    assert float(losses.minimax_g(zero)) == pytest.approx(-LOG2, rel=1e-6)
    assert float(losses.non_saturating_g(zero)) == pytest.approx(LOG2, rel=1e-6)
    assert float(losses.least_squares_d(jnp.ones(8), zero)) == 0.0
    assert float(losses.least_squares_g(jnp.ones(8))) == 0.0
    assert float(losses.least_squares_d(zero, zero)) == pytest.approx(0.5)


def test_match_the_probability_formulas():
    real = np.array([2.0, -1.0, 0.5], np.float32)
    fake = np.array([-3.0, 0.25, 1.5], np.float32)
    d_real, d_fake = _sigmoid(real), _sigmoid(fake)
    expected_d = -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake))
    assert float(losses.minimax_d(real, fake)) == pytest.approx(expected_d, rel=1e-5)
    assert float(losses.minimax_g(fake)) == pytest.approx(np.mean(np.log(1 - d_fake)), rel=1e-5)
    assert float(losses.non_saturating_g(fake)) == pytest.approx(-np.mean(np.log(d_fake)),
                                                                 rel=1e-5)
    assert float(losses.least_squares_d(real, fake)) == pytest.approx(
        0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake**2), rel=1e-6)
    assert float(losses.least_squares_g(fake)) == pytest.approx(0.5 * np.mean((fake - 1) ** 2))
    assert float(losses.least_squares_d(real, fake, real_target=0.5, fake_target=-2.0)) == \
        pytest.approx(0.5 * np.mean((real - 0.5) ** 2) + 0.5 * np.mean((fake + 2) ** 2), rel=1e-6)
    assert float(losses.least_squares_g(fake, target=-0.5)) == pytest.approx(
        0.5 * np.mean((fake + 0.5) ** 2), rel=1e-6)
    assert float(losses.least_squares_chi2_d(real, fake)) == pytest.approx(
        0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean((fake + 1) ** 2), rel=1e-6)
    assert float(losses.least_squares_chi2_g(fake)) == pytest.approx(0.5 * np.mean(fake**2),
                                                                     rel=1e-6)
    assert float(losses.wasserstein_d(real, fake)) == pytest.approx(fake.mean() - real.mean())
    assert float(losses.wasserstein_g(fake)) == pytest.approx(-fake.mean())


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_finite_values_and_gradients_at_extreme_logits(name):
    loss = losses.get_loss(name)
    big = jnp.array([100.0, -100.0, 100.0, -100.0])
    for real, fake in [(big, -big), (-big, big)]:
        d_value, d_grads = jax.value_and_grad(loss.discriminator, argnums=(0, 1))(real, fake)
        g_value, g_grad = jax.value_and_grad(loss.generator)(fake)
        for x in (d_value, g_value, *d_grads, g_grad):
            assert bool(jnp.all(jnp.isfinite(x)))


def test_minimax_generator_saturates_where_non_saturating_does_not():
    rejected = jnp.full(4, -10.0)  # D is sure the fakes are fake
    slope_minimax = jax.grad(losses.minimax_g)(rejected)
    slope_ns = jax.grad(losses.non_saturating_g)(rejected)
    assert float(jnp.abs(slope_minimax).max()) < 1e-4 * float(jnp.abs(slope_ns).min())
    # Both push the logits up (G descends the loss).
    assert bool(jnp.all(slope_minimax < 0)) and bool(jnp.all(slope_ns < 0))


@given(logit_arrays)
def test_generator_losses_differ_by_the_mean_logit(logits):
    # log σ(−l) − log σ(l) = −l, so minimax_g + non_saturating_g = −mean(l).
    total = float(losses.minimax_g(logits) + losses.non_saturating_g(logits))
    assert total == pytest.approx(-float(np.mean(logits, dtype=np.float64)), abs=1e-3)


@given(logit_arrays, logit_arrays)
def test_cross_entropy_signs(real, fake):
    assert float(losses.minimax_d(real, fake)) >= 0.0
    assert float(losses.non_saturating_g(fake)) >= 0.0
    assert float(losses.minimax_g(fake)) <= 0.0
    assert float(losses.least_squares_d(real, fake)) >= 0.0


@given(st.floats(-5, 5, allow_nan=False), st.floats(-5, 5, allow_nan=False))
def test_minimax_d_is_smallest_at_confident_correct_logits(a, b):
    confident = float(losses.minimax_d(jnp.array([20.0]), jnp.array([-20.0])))
    assert confident <= float(losses.minimax_d(jnp.array([a]), jnp.array([b]))) + 1e-6


def test_gradient_penalty_of_linear_critics():
    key = jax.random.key(0)
    real = jax.random.normal(key, (64, 2))
    fake = jax.random.normal(jax.random.key(1), (64, 2)) + 3.0
    w = jnp.array([0.6, 0.8])  # unit norm: no penalty
    assert float(losses.gradient_penalty(lambda x: x @ w, real, fake, key)) == pytest.approx(
        0.0, abs=1e-6)
    # ‖∇f‖ = 3 everywhere: λ (3 − 1)² = 40 with λ = 10, 4 with λ = 1.
    f = lambda x: x @ (3.0 * w)  # noqa: E731
    assert float(losses.gradient_penalty(f, real, fake, key)) == pytest.approx(40.0, rel=1e-5)
    assert float(losses.gradient_penalty(f, real, fake, key, weight=1.0)) == pytest.approx(
        4.0, rel=1e-5)
    # the same points, given: λ (‖∇f(x̂)‖ − 1)² for f(x) = ½‖x‖², ∇f = x̂
    eps = jax.random.uniform(key, (64, 1))
    points = eps * real + (1 - eps) * fake

    def quadratic(x):
        return 0.5 * jnp.sum(x**2, axis=1)

    expected = 10.0 * np.mean((np.linalg.norm(np.asarray(points), axis=1) - 1.0) ** 2)
    assert float(losses.gradient_penalty_at(quadratic, points)) == pytest.approx(expected,
                                                                                rel=1e-4)
    assert float(losses.gradient_penalty(quadratic, real, fake, key)) == pytest.approx(
        float(losses.gradient_penalty_at(quadratic, points)), rel=1e-6)


def test_gradient_penalty_is_differentiable_at_a_flat_critic():
    real, fake = jnp.ones((8, 1)), jnp.zeros((8, 1))

    def penalty(scale):
        return losses.gradient_penalty(lambda x: scale * x[:, 0] * 0.0, real, fake,
                                       jax.random.key(0))

    assert float(penalty(1.0)) == pytest.approx(10.0, rel=1e-5)
    assert bool(jnp.isfinite(jax.grad(penalty)(1.0)))


def test_r1_penalty_is_half_gamma_times_the_mean_squared_gradient_at_the_reals():
    real = jax.random.normal(jax.random.key(0), (64, 2))
    w = jnp.array([0.6, 0.8])
    # linear logits 3 w·x: ‖∇‖² = 9 everywhere, so γ/2 · 9
    assert float(losses.r1_penalty(lambda x: x @ (3.0 * w), real, 2.0)) == pytest.approx(
        9.0, rel=1e-5)
    # logits ½‖x‖²: ∇ = x, so γ/2 · mean ‖x‖²; zero where D is flat at the data
    expected = 0.5 * 0.1 * float(np.mean(np.sum(np.asarray(real) ** 2, axis=1)))
    assert float(losses.r1_penalty(lambda x: 0.5 * jnp.sum(x**2, axis=1), real, 0.1)) == \
        pytest.approx(expected, rel=1e-5)
    assert float(losses.r1_penalty(lambda x: 0.0 * x[:, 0] + 1.0, real, 5.0)) == 0.0


def _normal_pdf(x, loc):
    return np.exp(-0.5 * (x - loc) ** 2) / np.sqrt(2 * np.pi)


# (name, fake target a, real target b, generator target c)
LS_TARGETS = [("least_squares", 0.0, 1.0, 1.0), ("least_squares_chi2", -1.0, 1.0, 0.0)]


@pytest.mark.parametrize("name, a, b, c", LS_TARGETS)
def test_least_squares_optimum_and_generator_criterion(name, a, b, c):
    """At each x, D* = (b p_data + a p_G) / (p_data + p_G) minimises D's expected loss; G's
    objective at D* (with the data term) is C(G) = χ²(p_G ‖ m) for Mao et al.'s targets and
    ¼ + ¼ χ²(p_G ‖ m) for the 0-1 targets, m = (p_data + p_G) / 2 (Pearson χ²)."""
    loss = losses.get_loss(name)
    xs = np.linspace(-12.0, 14.0, 20001)
    dx = xs[1] - xs[0]
    for shift in (0.0, 0.7, 2.5):
        p_data, p_g = _normal_pdf(xs, 0.0), _normal_pdf(xs, shift)
        d_star = (b * p_data + a * p_g) / (p_data + p_g)

        # D's expected loss at one x: p_data · ½(s − b)² + p_G · ½(s − a)², built from the loss
        def expected(s, pd, pg):
            real_part = loss.discriminator(s[None], jnp.full(1, a))   # ½(s − b)²
            fake_part = loss.discriminator(jnp.full(1, b), s[None])   # ½(s − a)²
            return pd * real_part + pg * fake_part

        idx = np.arange(0, len(xs), 997)
        slopes = jax.vmap(jax.grad(expected))(jnp.asarray(d_star[idx], jnp.float32),
                                              p_data[idx], p_g[idx])
        assert np.allclose(np.asarray(slopes), 0.0, atol=1e-6)
        nudged = jax.vmap(expected)(jnp.asarray(d_star[idx] + 0.05, jnp.float32), p_data[idx],
                                    p_g[idx])
        at_optimum = jax.vmap(expected)(jnp.asarray(d_star[idx], jnp.float32), p_data[idx],
                                        p_g[idx])
        assert np.all(np.asarray(nudged) >= np.asarray(at_optimum))

        g_pointwise = np.asarray(jax.vmap(lambda s: loss.generator(s[None]))(
            jnp.asarray(d_star, jnp.float32)), np.float64)              # ½(D* − c)²
        criterion = np.sum((p_data + p_g) * g_pointwise) * dx
        m = 0.5 * (p_data + p_g)
        chi2 = np.sum((p_g - m) ** 2 / m) * dx
        expected_value = chi2 if name == "least_squares_chi2" else 0.25 + 0.25 * chi2
        assert criterion == pytest.approx(expected_value, abs=1e-5)
    assert shift > 0 and chi2 > 0.1  # the distributions differ: the identity is not 0 = 0
