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


@given(distributions_1d(), distributions_1d())
def test_max_v_is_minus_2log2_plus_2jsd(p, q):
    d_star = div.optimal_discriminator(p, q, XS)
    v_star = div.value(p, q, d_star, XS)
    assert math.isfinite(v_star)
    assert v_star == pytest.approx(-2 * LOG2 + 2 * div.jsd(p, q, XS), abs=2e-5)
    # Any other discriminator does no better.
    d_half = np.full(XS.shape, 0.5, np.float32)
    assert div.value(p, q, d_half, XS) <= v_star + 1e-5


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
    lp = np.asarray(div.log_probabilities(p, xs))
    for q in (dist.Normal(1.0, 0.7), p, dist.Normal(30.0, 0.1)):
        exact = div.compare(p, q, xs)
        log_q = np.asarray(q.log_prob(xs), np.float64)
        if not np.isfinite(log_q).any():  # q has no mass on the grid: a point mass far right
            log_q = np.where(np.arange(xs.shape[0]) == xs.shape[0] - 1, 0.0, -np.inf)
        jsd, dstar = div.jsd_and_dstar_on_host(lp, log_q, log_w)
        assert isinstance(jsd, float) and 0.0 <= jsd <= div.LOG2
        if q is p:
            assert jsd == pytest.approx(0.0, abs=1e-6)
            np.testing.assert_allclose(dstar, 0.5, atol=1e-6)
        elif np.isfinite(np.asarray(q.log_prob(xs))).any():
            assert jsd == pytest.approx(exact["jsd"], abs=1e-5)
            np.testing.assert_allclose(dstar, np.asarray(exact["dstar"]), atol=1e-5)
        else:  # disjoint supports on the grid
            assert jsd == pytest.approx(div.LOG2, abs=1e-6)
    assert div.log_weights(xs).shape == (401,)
    np.testing.assert_allclose(np.exp(div.log_weights(xs)).sum(), 12.0, rtol=1e-6)
