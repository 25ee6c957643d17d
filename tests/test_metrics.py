import jax
import numpy as np
import pytest

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab import metrics

P = dist.Normal(3.0, 0.8)


def test_kde_integrates_to_one_and_matches_the_direct_sum():
    x = np.asarray(P.sample(jax.random.key(0), 5000))
    xs = np.linspace(-2.0, 8.0, 2001)
    fast = metrics.kde(x, xs)  # evenly spaced and fine: binned
    assert fast.dtype == np.float32
    area = float(np.sum(0.5 * (fast[1:] + fast[:-1]) * np.diff(xs)))
    assert area == pytest.approx(1.0, abs=1e-3)
    uneven = np.concatenate([xs, [8.5]])  # not evenly spaced: exact sum
    np.testing.assert_allclose(fast, metrics.kde(x, uneven)[:-1], atol=1e-4 * fast.max())


def test_kde_of_one_point_is_the_kernel():
    xs = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(metrics.kde([0.0, 0.0], xs, bandwidth=0.5),
                               np.exp(-0.5 * (xs / 0.5) ** 2) / (0.5 * np.sqrt(2 * np.pi)),
                               rtol=1e-5)


def test_jsd_to_is_small_for_the_distribution_own_samples_and_grows_with_a_shift():
    own = metrics.jsd_to(P.sample(jax.random.key(1), 20_000), P)
    assert 0.0 <= own < 1e-3
    shifted = metrics.jsd_to(dist.Normal(3.5, 0.8).sample(jax.random.key(1), 20_000), P)
    exact = div.jsd(P, dist.Normal(3.5, 0.8), div.grid(-3, 10, 4001))
    assert shifted == pytest.approx(exact, rel=0.15)
    assert shifted > 10 * own


def test_jsd_to_validates_inputs():
    with pytest.raises(ValueError, match="1D"):
        metrics.jsd_to(np.zeros((10, 1)), dist.ring())
    with pytest.raises(ValueError, match="NaN"):
        metrics.jsd_to(np.array([0.0, np.nan, 1.0]), P)
    with pytest.raises(ValueError, match="shape"):
        metrics.jsd_to(np.zeros((10, 2)), P)
    with pytest.raises(ValueError, match="bandwidth"):
        metrics.kde(np.arange(5.0), np.linspace(0, 1, 3), bandwidth=0.0)


def test_tabulated_density_interpolates_normalises_and_samples():
    xs = np.array([0.0, 1.0, 2.0])
    t = dist.Tabulated(xs, [0.0, 2.0, 0.0])  # a triangle, rescaled to area 1
    np.testing.assert_allclose(t.prob(np.array([0.5, 1.0, 1.5])), [0.5, 1.0, 0.5], rtol=1e-6)
    assert np.isneginf(np.asarray(t.log_prob(np.array([-1.0, 0.0, 3.0])))).all()
    s = np.asarray(t.sample(jax.random.key(0), 20_000))
    assert s.shape == (20_000, 1) and 0.0 <= s.min() and s.max() <= 2.0
    assert abs(s.mean() - 1.0) < 0.02
    assert div.jsd(t, t, div.grid(-1, 3, 401)) == pytest.approx(0.0, abs=1e-6)
    for bad in ([0.0, -1.0, 0.0], [0.0, 0.0, 0.0], [0.0, np.nan, 1.0]):
        with pytest.raises(ValueError):
            dist.Tabulated(xs, bad)
    with pytest.raises(ValueError, match="increasing"):
        dist.Tabulated([0.0, 0.0, 1.0], [1.0, 1.0, 1.0])
