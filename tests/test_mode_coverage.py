import hypothesis.extra.numpy as hnp
import jax
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ganlab import distributions as dist
from ganlab import metrics

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def test_counts_captured_modes_and_high_quality_samples_by_hand():
    samples = np.array([
        [0.01, 0.0],   # high quality, mode 0
        [0.0, -0.02],  # high quality, mode 0 again
        [1.0, 0.029],  # high quality (0.029 <= 3 * 0.01), mode 1
        [0.5, 0.5],    # far from every mode
        [0.0, 1.04],   # nearest mode 2, but 0.04 > 0.03: not high quality
    ])
    captured, fraction = metrics.mode_coverage(samples, SQUARE, scale=0.01)
    assert (captured, fraction) == (2, pytest.approx(3 / 5))
    assert isinstance(captured, int) and isinstance(fraction, float)
    # A wider threshold lets the fifth sample in and captures mode 2 too.
    assert metrics.mode_coverage(samples, SQUARE, 0.01, threshold=5.0) == (3, pytest.approx(4 / 5))


def test_a_sample_counts_only_for_its_nearest_mode():
    modes = np.array([[0.0], [0.1]])
    # 0.06 is within 3 * 0.05 of both modes, but nearest to mode 1 only.
    assert metrics.mode_coverage(np.array([[0.06]]), modes, 0.05) == (1, 1.0)


def test_all_far_samples_capture_nothing():
    assert metrics.mode_coverage(np.full((10, 2), 50.0), SQUARE, 0.01) == (0, 0.0)


def test_samples_of_the_ring_and_grid_themselves_score_near_the_gaussian_value():
    # In 2D the distance to the centre, in units of σ, has P(r <= 3) = 1 − exp(−4.5) ≈ 0.989.
    for data in (dist.ring(), dist.grid()):
        x = np.asarray(data.sample(jax.random.key(0), 2500))
        captured, fraction = metrics.mode_coverage(x, data.modes, data.scale)
        assert captured == len(data.modes)
        assert fraction == pytest.approx(1 - np.exp(-4.5), abs=0.01)


@pytest.mark.parametrize("samples, modes, scale, match", [
    (np.zeros((3, 3)), SQUARE, 0.1, "same dimension"),
    (np.zeros(3), SQUARE, 0.1, "shape"),
    (np.zeros((0, 2)), SQUARE, 0.1, "empty"),
    (np.zeros((3, 2)), np.zeros((0, 2)), 0.1, "empty"),
    (np.array([[np.nan, 0.0]]), SQUARE, 0.1, "NaN"),
    (np.zeros((3, 2)), np.array([[np.inf, 0.0]]), 0.1, "NaN"),
    (np.zeros((3, 2)), SQUARE, 0.0, "scale"),
    (np.zeros((3, 2)), SQUARE, -1.0, "scale"),
    (np.zeros((3, 2)), SQUARE, float("nan"), "scale"),
    ([["a", "b"]], SQUARE, 0.1, "numeric"),
])
def test_rejects_bad_inputs(samples, modes, scale, match):
    with pytest.raises(ValueError, match=match):
        metrics.mode_coverage(samples, modes, scale)


def test_rejects_a_bad_threshold():
    with pytest.raises(ValueError, match="threshold"):
        metrics.mode_coverage(np.zeros((3, 2)), SQUARE, 0.1, threshold=0)


def _points(n_max):
    return st.integers(1, 3).flatmap(lambda d: st.tuples(
        hnp.arrays(np.float64, st.tuples(st.integers(1, n_max), st.just(d)),
                   elements=st.floats(-10, 10, width=32)),
        hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.just(d)),
                   elements=st.floats(-10, 10, width=32))))


@given(_points(40), st.floats(1e-3, 5.0), st.floats(0.5, 5.0))
def test_counts_stay_in_range(points, scale, threshold):
    samples, modes = points
    captured, fraction = metrics.mode_coverage(samples, modes, scale, threshold)
    assert 0 <= captured <= len(modes)
    assert 0.0 <= fraction <= 1.0
    assert captured <= len(samples)
    assert (captured == 0) == (fraction == 0.0)


@given(st.integers(1, 3).flatmap(lambda d: st.lists(
    st.lists(st.integers(-20, 20), min_size=d, max_size=d).map(tuple),
    min_size=1, max_size=8, unique=True)), st.integers(1, 4))
def test_samples_exactly_at_distinct_modes_capture_all_of_them(mode_list, repeats):
    modes = 0.5 * np.array(mode_list, np.float64)
    samples = np.repeat(modes, repeats, axis=0)
    assert metrics.mode_coverage(samples, modes, 1e-3) == (len(modes), 1.0)


@given(_points(40), st.floats(1e-2, 2.0), st.randoms(use_true_random=False))
def test_order_of_samples_and_of_modes_does_not_matter(points, scale, rnd):
    samples, modes = points
    # A sample exactly halfway between two modes has no single nearest mode; leave ties out.
    d = np.sort(np.linalg.norm(samples[:, None] - modes[None], axis=-1), axis=1)
    assume(d.shape[1] == 1 or np.all(d[:, 1] - d[:, 0] > 1e-6))
    expected = metrics.mode_coverage(samples, modes, scale)
    perm_samples = samples[rnd.sample(range(len(samples)), len(samples))]
    perm_modes = modes[rnd.sample(range(len(modes)), len(modes))]
    assert metrics.mode_coverage(perm_samples, perm_modes, scale) == expected
