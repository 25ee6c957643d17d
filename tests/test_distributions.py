import math

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from ganlab import distributions as dist

KEY = jax.random.key(0)


@given(
    loc=st.floats(-5, 5),
    scale=st.floats(0.05, 5),
    x=st.floats(-20, 20),
)
def test_normal_log_prob_matches_scipy(loc, scale, x):
    got = float(dist.Normal(loc, scale).log_prob(x))
    assert got == pytest.approx(stats.norm(loc, scale).logpdf(x), rel=1e-4, abs=1e-4)


def test_normal_is_elementwise_on_any_shape():
    x = np.zeros((3, 4, 5), np.float32)
    assert dist.Normal().log_prob(x).shape == (3, 4, 5)
    assert dist.Normal().prob(x).dtype == np.float32


def test_uniform_density_inside_and_outside():
    u = dist.Uniform(-1.0, 3.0)
    lp = np.asarray(u.log_prob(np.array([-2.0, -1.0, 0.0, 3.0, 3.5])))
    assert np.isneginf(lp[0]) and np.isneginf(lp[-1])
    np.testing.assert_allclose(lp[1:4], -math.log(4.0), rtol=1e-6)


@pytest.mark.parametrize(
    "p",
    [
        dist.Normal(2.0, 0.5),
        dist.Uniform(-1.0, 1.0),
        dist.Mixture([dist.Normal(-2, 0.5), dist.Normal(2, 0.5)], weights=[0.3, 0.7]),
        dist.ring(),
        dist.grid(),
    ],
    ids=["normal", "uniform", "mixture", "ring", "grid"],
)
def test_sample_shape_dtype_and_determinism(p):
    a = p.sample(KEY, 500)
    b = p.sample(KEY, 500)
    assert a.shape == (500, p.dim) and a.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.all(np.isfinite(np.asarray(p.log_prob(a if p.dim > 1 else a[:, 0]))))


def test_mixture_density_and_sample_weights():
    m = dist.Mixture([dist.Normal(-3, 0.5), dist.Normal(3, 0.5)], weights=[1.0, 3.0])
    np.testing.assert_allclose(np.asarray(m.weights), [0.25, 0.75], rtol=1e-6)
    x = np.linspace(-6, 6, 13)
    want = 0.25 * stats.norm(-3, 0.5).pdf(x) + 0.75 * stats.norm(3, 0.5).pdf(x)
    np.testing.assert_allclose(np.asarray(m.prob(x)), want, rtol=1e-4, atol=1e-7)
    s = np.asarray(m.sample(KEY, 20_000))[:, 0]
    assert abs(np.mean(s > 0) - 0.75) < 0.02
    np.testing.assert_allclose(np.asarray(m.modes), [[-3.0], [3.0]])


def test_mixture_zero_weight_component_has_no_mass():
    m = dist.Mixture([dist.Normal(-3, 0.5), dist.Normal(3, 0.5)], weights=[0.0, 1.0])
    s = np.asarray(m.sample(KEY, 2_000))
    assert np.all(s > 0)
    assert np.isfinite(float(m.log_prob(3.0)))


def test_ring_has_n_distinct_modes_on_the_circle():
    r = dist.ring(n_modes=8, radius=1.0, scale=0.01)
    modes = np.asarray(r.modes)
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, rtol=1e-6)
    gaps = np.linalg.norm(modes[:, None] - modes[None], axis=-1) + np.eye(8) * 9
    assert gaps.min() > 0.7  # no mode repeated at 2π
    s = np.asarray(r.sample(KEY, 4_000))
    nearest = np.argmin(np.linalg.norm(s[:, None] - modes[None], axis=-1), axis=1)
    assert set(nearest.tolist()) == set(range(8))
    assert np.max(np.min(np.linalg.norm(s[:, None] - modes[None], axis=-1), axis=1)) < 0.06


def test_grid_modes():
    g = dist.grid(n_per_side=5, spacing=2.0, scale=0.05)
    modes = np.asarray(g.modes)
    assert modes.shape == (25, 2)
    assert sorted(set(modes[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert g.log_prob(modes).shape == (25,)


def test_2d_log_prob_checks_the_last_axis():
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        dist.ring().log_prob(np.zeros((4, 3)))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: dist.Normal(0.0, 0.0), "scale must be > 0"),
        (lambda: dist.Normal(0.0, -1.0), "scale must be > 0"),
        (lambda: dist.Normal(float("nan"), 1.0), "loc must be finite"),
        (lambda: dist.Uniform(1.0, 1.0), "low < high"),
        (lambda: dist.Uniform(2.0, 1.0), "low < high"),
        (lambda: dist.Mixture([]), "at least one component"),
        (lambda: dist.Mixture([dist.Normal(), dist.Normal()], weights=[1.0, -1.0]), ">= 0"),
        (lambda: dist.Mixture([dist.Normal(), dist.Normal()], weights=[0.0, 0.0]), "positive sum"),
        (lambda: dist.Mixture([dist.Normal()], weights=[1.0, 2.0]), "1 components but 2"),
        (lambda: dist.Mixture([dist.Normal(), dist.ring()]), "one dimension"),
        (lambda: dist.ring(n_modes=0), "n_modes must be a positive integer >= 1"),
        (lambda: dist.ring(radius=0.0), "radius must be > 0"),
        (lambda: dist.ring(scale=-0.1), "scale must be > 0"),
        (lambda: dist.grid(n_per_side=0), "n_per_side"),
        (lambda: dist.grid(spacing=0.0), "spacing must be > 0"),
        (lambda: dist.Normal().sample(KEY, 0), "positive integer"),
        (lambda: dist.Normal().sample(KEY, 2.5), "positive integer"),
    ],
)
def test_bad_parameters_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_blobs_put_equal_gaussians_at_the_centres():
    p = dist.blobs([[0.0, 0.0], [3.0, 1.0]], 0.2)
    assert p.dim == 2 and p.scale == 0.2
    np.testing.assert_allclose(np.asarray(p.modes), [[0, 0], [3, 1]])
    np.testing.assert_allclose(np.asarray(dist.ring().modes), np.asarray(
        dist.blobs(np.asarray(dist.ring().modes), 0.01).modes))
    for bad, message in (([1.0, 2.0], r"\(k, d\)"), (np.zeros((0, 2)), r"\(k, d\)"),
                         ([[np.nan, 0.0]], "finite")):
        with pytest.raises(ValueError, match=message):
            dist.blobs(bad, 0.1)
    with pytest.raises(ValueError, match="scale"):
        dist.blobs([[0.0, 0.0]], 0.0)
