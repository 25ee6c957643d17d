import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ganlab import distributions as dist
from ganlab import divergences as div

LOG2 = math.log(2.0)
XS = div.grid(-12.0, 12.0, 4001)

means = st.floats(-4.0, 4.0)
scales = st.floats(0.1, 2.0)


@st.composite
def distributions_1d(draw):
    kind = draw(st.sampled_from(["normal", "uniform", "mixture"]))
    if kind == "normal":
        return dist.Normal(draw(means), draw(scales))
    if kind == "uniform":
        low = draw(st.floats(-5.0, 4.0))
        return dist.Uniform(low, low + draw(st.floats(0.2, 4.0)))
    w = draw(st.floats(0.05, 0.95))
    return dist.Mixture(
        [dist.Normal(draw(means), draw(scales)), dist.Normal(draw(means), draw(scales))],
        weights=[w, 1.0 - w],
    )


@given(distributions_1d(), distributions_1d())
def test_jsd_is_symmetric_and_bounded(p, q):
    a, b = div.jsd(p, q, XS), div.jsd(q, p, XS)
    assert 0.0 <= a <= LOG2 and not math.isnan(a)
    assert a == pytest.approx(b, abs=1e-6)


@given(distributions_1d(), distributions_1d())
def test_kl_is_non_negative(p, q):
    value = div.kl(p, q, XS)
    assert value >= 0.0 and not math.isnan(value)


@given(distributions_1d())
def test_divergence_of_a_distribution_to_itself_is_zero(p):
    assert div.kl(p, p, XS) == pytest.approx(0.0, abs=1e-6)
    assert div.jsd(p, p, XS) == pytest.approx(0.0, abs=1e-6)


@given(means, scales, means, scales)
def test_kl_of_two_normals_matches_closed_form(m1, s1, m2, s2):
    xs = div.grid(-30.0, 30.0, 20001)
    want = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    got = div.kl(dist.Normal(m1, s1), dist.Normal(m2, s2), xs)
    assert got == pytest.approx(want, rel=2e-3, abs=2e-4)


def _trapezoid_mass(p, xs) -> float:
    """p's total mass on the grid by the trapezoid rule, in float64."""
    x = np.asarray(xs, np.float64)
    density = np.exp(np.asarray(p.log_prob(xs), np.float64))
    return float(np.sum(0.5 * (density[1:] + density[:-1]) * np.diff(x)))


@given(distributions_1d(), distributions_1d())
def test_max_v_is_minus_2log2_plus_2jsd(p, q):
    d_star = div.optimal_discriminator(p, q, XS)
    v_star = div.value(p, q, d_star, XS)
    assert math.isfinite(v_star)
    identity = -2 * LOG2 + 2 * div.jsd(p, q, XS)
    # The quadrature's maximiser is p_i / (p_i + q_i) with each density divided by its own
    # trapezoid sum; the exact D* differs from it by the log ratio of the two sums, delta,
    # which costs at most delta^2 / 4 nats (a narrow uniform's sum is off by up to a step /
    # width). Beyond that, only float32 rounding.
    delta = math.log(_trapezoid_mass(p, XS) / _trapezoid_mass(q, XS))
    assert -2e-5 <= identity - v_star <= delta**2 / 4 + 2e-5
    # Any other discriminator does no better.
    d_half = np.full(XS.shape, 0.5, np.float32)
    assert div.value(p, q, d_half, XS) <= v_star + 1e-5


@pytest.mark.parametrize(
    "p, q",
    [
        (dist.Normal(0.0, 1.0), dist.Normal(1.0, 1.0)),
        (dist.Normal(-1.0, 0.5), dist.Mixture([dist.Normal(-2, 0.5), dist.Normal(2, 0.5)])),
        (dist.Uniform(-1.0, 1.0), dist.Normal(0.5, 1.5)),  # edges on grid points
    ],
)
def test_identity_is_tight_on_a_grid_that_resolves_both_densities(p, q):
    xs = div.grid(-12.0, 12.0, 9601)
    v_star = div.value(p, q, div.optimal_discriminator(p, q, xs), xs)
    assert v_star == pytest.approx(-2 * LOG2 + 2 * div.jsd(p, q, xs), abs=1e-6)


def test_identity_holds_where_d_star_saturates_in_float32():
    p, q = dist.Normal(-6.0, 0.2), dist.Normal(6.0, 0.2)
    d_star = np.asarray(div.optimal_discriminator(p, q, XS))
    assert np.any(d_star == 1.0) and np.any(d_star == 0.0)
    v_star = div.value(p, q, d_star, XS)
    assert math.isfinite(v_star)
    assert v_star == pytest.approx(0.0, abs=1e-5)
    assert div.jsd(p, q, XS) == pytest.approx(LOG2, abs=1e-6)


@pytest.mark.parametrize(
    "p, q",
    [
        (dist.Uniform(-3.0, -1.0), dist.Uniform(1.0, 4.0)),
        (dist.Uniform(-1.0, 0.0), dist.Uniform(0.01, 1.0)),
    ],
)
def test_disjoint_supports(p, q):
    assert div.jsd(p, q, XS) == pytest.approx(LOG2, abs=1e-6)
    assert div.kl(p, q, XS) == math.inf
    assert div.kl(q, p, XS) == math.inf
    d = div.optimal_discriminator(p, q, XS)
    assert div.value(p, q, d, XS) == pytest.approx(0.0, abs=1e-5)


def test_kl_is_infinite_only_where_support_is_missing():
    n, u = dist.Normal(0.0, 1.0), dist.Uniform(-1.0, 1.0)
    assert div.kl(n, u, XS) == math.inf
    assert math.isfinite(div.kl(u, n, XS))
    assert not math.isnan(div.jsd(n, u, XS))


def test_optimal_discriminator_is_half_where_densities_agree():
    p = dist.Normal(0.0, 1.0)
    np.testing.assert_allclose(np.asarray(div.optimal_discriminator(p, p, XS)), 0.5, atol=1e-6)
    d = np.asarray(div.optimal_discriminator(dist.Uniform(-1, 1), dist.Uniform(0, 2), XS))
    assert np.all((d >= 0) & (d <= 1))
    x = np.asarray(XS)
    assert np.all(d[(x < -1.01)] == 0.5)  # neither has mass: undefined, reported as 1/2


def test_compare_agrees_with_the_single_functions():
    p, q = dist.Normal(0.0, 1.0), dist.Mixture([dist.Normal(-2, 0.5), dist.Normal(2, 0.5)])
    out = div.compare(p, q, XS)
    assert out["jsd"] == pytest.approx(div.jsd(p, q, XS), abs=1e-7)
    assert out["kl_data_g"] == pytest.approx(div.kl(p, q, XS), abs=1e-6)
    assert out["kl_g_data"] == pytest.approx(div.kl(q, p, XS), abs=1e-6)
    assert out["v_star"] == pytest.approx(out["identity"], abs=1e-5)


def test_2d_mesh_quadrature():
    mesh = div.grid2d(-3.0, 3.0, 301)
    assert mesh.shape == (301, 301, 2)
    r8, r4 = dist.ring(8, 1.0, 0.1), dist.ring(4, 1.0, 0.1)
    assert 0.0 < div.jsd(r8, r4, mesh) < LOG2
    assert div.jsd(r8, r8, mesh) == pytest.approx(0.0, abs=1e-6)
    far = dist.Mixture([dist.IsotropicNormal([2.5, 2.5], 0.05)])
    assert div.jsd(r8, far, mesh) == pytest.approx(LOG2, abs=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: div.grid(1.0, 1.0, 10), "low < high"),
        (lambda: div.grid(0.0, 1.0, 1), "n >= 2"),
        (lambda: div.grid(0.0, float("inf"), 10), "finite"),
        (lambda: div.kl(dist.Normal(), dist.Normal(), np.array([0.0, 0.0, 1.0])), "increasing"),
        (lambda: div.kl(dist.Normal(), dist.Normal(), np.zeros((2, 2))), "shape"),
        (lambda: div.jsd(dist.Uniform(20, 21), dist.Normal(), XS), "no mass on the grid"),
        (lambda: div.jsd(dist.ring(), dist.Normal(), XS), "2D"),
        (lambda: div.value(dist.Normal(), dist.Normal(), np.full(7, 0.5), XS), "grid's shape"),
        (lambda: div.value(dist.Normal(), dist.Normal(), np.full(XS.shape, 1.5), XS), "[0, 1]"),
    ],
)
def test_bad_inputs_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_host_jsd_and_dstar_match_the_device_numbers():
    xs = div.grid(-6.0, 6.0, 401)
    p = dist.Mixture([dist.Normal(-2.0, 0.5), dist.Normal(2.0, 0.5)])
    log_w = div.log_weights(xs)
    log_p = np.asarray(p.log_prob(xs), np.float64)
    for q in (dist.Normal(1.0, 0.7), p, dist.Uniform(-1.0, 0.5), dist.Normal(30.0, 0.1)):
        log_q = np.asarray(q.log_prob(xs), np.float64)
        if not np.isfinite(log_q).any():  # q has no mass on the grid: a point mass far right
            log_q = np.where(np.arange(xs.shape[0]) == xs.shape[0] - 1, 0.0, -np.inf)
        jsd, dstar = div.jsd_and_dstar_on_host(log_p=log_p, log_q=log_q, log_w=log_w)
        assert isinstance(jsd, float) and 0.0 <= jsd <= div.LOG2
        assert dstar.shape == (401,)
        if q is p:
            assert jsd == pytest.approx(0.0, abs=1e-6)
            np.testing.assert_allclose(dstar, 0.5, atol=1e-6)
        elif np.isfinite(np.asarray(q.log_prob(xs))).any():
            exact = div.compare(p, q, xs)
            assert jsd == pytest.approx(exact["jsd"], abs=1e-5)
            np.testing.assert_allclose(dstar, np.asarray(exact["dstar"]), atol=1e-6)
            np.testing.assert_allclose(dstar, np.asarray(div.optimal_discriminator(p, q, xs)),
                                       atol=1e-6)
        else:  # disjoint supports on the grid
            assert jsd == pytest.approx(div.LOG2, abs=1e-6)
            np.testing.assert_array_equal(dstar[:-1], 1.0)
            assert dstar[-1] == 0.0
    assert div.log_weights(xs).shape == (401,)
    np.testing.assert_allclose(np.exp(div.log_weights(xs)).sum(), 12.0, rtol=1e-6)


# ---- D* is pointwise: exact at any x, against closed forms --------------------------------


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(t, np.float64)))


def _log_normal(x, m, s):
    x = np.asarray(x, np.float64)
    return -0.5 * ((x - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)


def test_dstar_of_two_normals_at_a_probe():
    # Reported value: 0.802 at x = -0.9 for N(0, 1) vs N(1, 1), whatever other points are given.
    p, q = dist.Normal(0.0, 1.0), dist.Normal(1.0, 1.0)
    # log p - log q = 1/2 - x, so D*(-0.9) = sigmoid(1.4) = 0.802184
    assert float(div.optimal_discriminator(p, q, -0.9)) == pytest.approx(0.802184, abs=1e-6)
    probes = np.array([-0.9, 0.0, 0.4], np.float32)
    np.testing.assert_allclose(np.asarray(div.optimal_discriminator(p, q, probes)),
                               _sigmoid(0.5 - probes.astype(np.float64)), atol=1e-6)


@given(means, scales, means, scales, st.lists(st.floats(-8.0, 8.0), min_size=1, max_size=20))
def test_dstar_of_two_normals_matches_closed_form_at_any_points(m1, s1, m2, s2, points):
    x = np.asarray(points, np.float32)
    want = _sigmoid(_log_normal(x, m1, s1) - _log_normal(x, m2, s2))
    got = np.asarray(div.optimal_discriminator(dist.Normal(m1, s1), dist.Normal(m2, s2), x))
    # The log densities are float32: each is off by a few units in its last place, and
    # D* moves by at most 1/4 of the error in their difference.
    largest = np.maximum(np.abs(_log_normal(x, m1, s1)), np.abs(_log_normal(x, m2, s2)))
    tolerance = 0.25 * 4 * np.finfo(np.float32).eps * (largest + 1.0) + 1e-6
    assert np.all(np.abs(got - want) <= tolerance)


def test_dstar_stays_exact_where_both_densities_underflow():
    p, q = dist.Normal(0.0, 1.0), dist.Normal(0.05, 1.0)
    x = np.float32(20.0)  # both densities ~ e^-200: 0 in float32
    assert float(p.prob(x)) == 0.0 and float(q.prob(x)) == 0.0
    want = float(_sigmoid(_log_normal(x, 0.0, 1.0) - _log_normal(x, 0.05, 1.0)))
    assert float(div.optimal_discriminator(p, q, x)) == pytest.approx(want, abs=1e-5)


@given(
    st.floats(-5.0, 0.0), st.floats(0.1, 3.0), st.floats(0.01, 3.0), st.floats(0.1, 3.0),
    st.lists(st.floats(-10.0, 10.0), min_size=1, max_size=30),
)
def test_dstar_of_disjoint_uniforms_is_0_or_1_wherever_one_has_mass(low, width, gap, width2,
                                                                   points):
    p = dist.Uniform(low, low + width)
    q = dist.Uniform(low + width + gap, low + width + gap + width2)
    x = np.asarray(points, np.float32)
    d = np.asarray(div.optimal_discriminator(p, q, x))
    in_p = np.asarray(p.log_prob(x)) > -np.inf
    in_q = np.asarray(q.log_prob(x)) > -np.inf
    assert not np.any(in_p & in_q)
    np.testing.assert_array_equal(d[in_p], 1.0)
    np.testing.assert_array_equal(d[in_q], 0.0)
    np.testing.assert_array_equal(d[~in_p & ~in_q], 0.5)  # neither has mass: reported as 1/2


def test_dstar_at_samples_of_disjoint_uniforms():
    import jax

    p, q = dist.Uniform(-3.0, -1.0), dist.Uniform(1.0, 4.0)
    from_p, from_q = p.sample(jax.random.key(0), 64), q.sample(jax.random.key(1), 64)
    assert div.optimal_discriminator(p, q, from_p).shape == (64, 1)
    np.testing.assert_array_equal(np.asarray(div.optimal_discriminator(p, q, from_p)), 1.0)
    np.testing.assert_array_equal(np.asarray(div.optimal_discriminator(p, q, from_q)), 0.0)


@given(st.floats(0.05, 0.95), st.lists(st.floats(-8.0, 8.0), min_size=1, max_size=20))
def test_dstar_of_mixtures_matches_closed_form(w, points):
    parts = [(-2.0, 0.5), (2.0, 0.7)]
    p = dist.Mixture([dist.Normal(*c) for c in parts], weights=[w, 1.0 - w])
    q = dist.Mixture([dist.Normal(0.0, 1.0), dist.Normal(3.0, 0.4)], weights=[0.6, 0.4])
    x = np.asarray(points, np.float32)
    log_p = np.logaddexp(math.log(w) + _log_normal(x, *parts[0]),
                         math.log(1.0 - w) + _log_normal(x, *parts[1]))
    log_q = np.logaddexp(math.log(0.6) + _log_normal(x, 0.0, 1.0),
                         math.log(0.4) + _log_normal(x, 3.0, 0.4))
    got = np.asarray(div.optimal_discriminator(p, q, x))
    np.testing.assert_allclose(got, _sigmoid(log_p - log_q), atol=2e-5)


@given(distributions_1d(), distributions_1d(), st.lists(st.floats(-15.0, 15.0), min_size=2,
                                                        max_size=20))
def test_dstar_is_a_probability_that_swapping_the_densities_complements(p, q, points):
    x = np.asarray(points, np.float32)
    d = np.asarray(div.optimal_discriminator(p, q, x))
    swapped = np.asarray(div.optimal_discriminator(q, p, x))
    assert np.all((d >= 0.0) & (d <= 1.0))
    np.testing.assert_allclose(d + swapped, 1.0, atol=1e-6)
    # pointwise: the value at a point does not depend on which other points are given (up to
    # float32 rounding of the log densities, which may differ between evaluations)
    alone = float(div.optimal_discriminator(p, q, x[0]))
    largest = max(abs(float(p.log_prob(x[0]))), abs(float(q.log_prob(x[0]))), 0.0)
    largest = largest if math.isfinite(largest) else 0.0
    assert abs(alone - d[0]) <= 4 * np.finfo(np.float32).eps * (largest + 1.0)


def test_dstar_in_2d_at_samples_and_on_a_mesh():
    import jax

    a, b = dist.IsotropicNormal([0.0, 0.0], 0.5), dist.IsotropicNormal([1.0, -1.0], 0.8)
    points = np.asarray(a.sample(jax.random.key(0), 50))
    log_a = -0.5 * np.sum(points.astype(np.float64) ** 2, -1) / 0.25 - 2 * math.log(0.5)
    log_b = -0.5 * np.sum((points.astype(np.float64) - [1.0, -1.0]) ** 2, -1) / 0.64 \
        - 2 * math.log(0.8)
    d = np.asarray(div.optimal_discriminator(a, b, points))
    assert d.shape == (50,)
    np.testing.assert_allclose(d, _sigmoid(log_a - log_b), atol=1e-5)
    mesh = div.grid2d(-2.0, 2.0, 11)
    assert div.optimal_discriminator(dist.ring(), dist.grid(), mesh).shape == (11, 11)
    np.testing.assert_allclose(
        np.asarray(div.optimal_discriminator(dist.ring(scale=0.3), dist.ring(scale=0.3), mesh)),
        0.5, atol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: div.optimal_discriminator(dist.Normal(), dist.ring(), 0.0), "same dimension"),
        (lambda: div.optimal_discriminator(dist.ring(), dist.grid(), np.zeros((4, 3))),
         r"\(\.\.\., 2\)"),
        (lambda: div.optimal_discriminator(dist.Normal(), dist.Normal(), "x"), "numbers"),
    ],
)
def test_dstar_rejects_points_it_cannot_evaluate(call, match):
    with pytest.raises(ValueError, match=match):
        call()
