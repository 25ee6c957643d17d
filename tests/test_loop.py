"""The model-agnostic training-loop pieces shared by the GAN and auto-encoder trainers."""

import collections

import numpy as np

from ganlab import loop


def test_drive_cuts_chunks_at_chunk_size_and_stops():
    calls = []

    def advance(step, n):
        calls.append((step, n))
        return True

    assert loop.drive(advance, 3, 20, 5, stops=[10, 4], progress=False) == 20
    assert calls == [(3, 1), (4, 5), (9, 1), (10, 5), (15, 5)]


def test_drive_stops_when_advance_says_false():
    calls = []

    def advance(step, n):
        calls.append(step)
        return step < 4

    assert loop.drive(advance, 0, 100, 2, progress=False) == 6
    assert calls == [0, 2, 4]


def test_first_nonfinite_and_history():
    rows = np.array([[1.0, 2.0, np.nan], [3.0, np.inf, 0.0], [np.nan, 1.0, 1.0]], np.float32)
    assert loop.first_nonfinite(rows, (0, 1)) == (1, 1)
    assert loop.first_nonfinite(rows[:1], (0, 1)) is None
    history = loop.append_history({"a": np.zeros(1, np.float32), "b": np.ones(1, np.float32)},
                                  ("a", "b"), rows[:2, :2])
    np.testing.assert_array_equal(history["a"], [0.0, 1.0, 3.0])
    np.testing.assert_array_equal(history["b"], [1.0, 2.0, np.inf])


def test_lru_keeps_the_most_recent():
    cache = collections.OrderedDict()
    made = []
    for key in [1, 2, 1, 3, 2]:
        loop.lru(cache, key, lambda k=key: made.append(k) or k * 10, size=2)
    assert made == [1, 2, 3, 2]
    assert list(cache) == [3, 2]



def test_jit_build_gives_state_and_graphdef():
    import jax
    from flax import nnx

    build = loop.jit_build(lambda key: nnx.Linear(3, 2, rngs=nnx.Rngs(params=key)))
    state, graphdef = build(jax.random.key(0))
    layer = nnx.merge(graphdef, state)
    eager = nnx.Linear(3, 2, rngs=nnx.Rngs(params=jax.random.key(0)))
    np.testing.assert_allclose(layer.kernel[...], eager.kernel[...], rtol=1e-6)
    assert layer(np.ones((4, 3), np.float32)).shape == (4, 2)
