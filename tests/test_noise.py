"""The generator's noise: Gaussian, uniform, and the mixture noise with a discrete code."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from ganlab import distributions as dist
from ganlab import training as tr
from ganlab.checkpoints import load_run, save_run

DATA = dist.ring(n_modes=4, radius=1.0, scale=0.05)


def small(**changes):
    base = tr.GANConfig(steps=6, batch_size=16, hidden=(8,), latent_dim=2, noise="mixture",
                        n_components=5, chunk_size=4, seed=1)
    return base.replace(**changes)


def test_mixture_noise_is_a_one_hot_code_then_uniform_coordinates():
    z = np.asarray(tr.noise("mixture", jax.random.key(0), (3, 4000, 2), 5))
    assert z.shape == (3, 4000, 7) and z.dtype == np.float32
    code, rest = z[..., :5], z[..., 5:]
    assert set(np.unique(code)) == {0.0, 1.0}
    np.testing.assert_array_equal(code.sum(axis=-1), 1.0)
    counts = np.bincount(code.argmax(axis=-1).ravel(), minlength=5)
    assert counts.min() > 0.18 * 12000 and counts.max() < 0.22 * 12000  # 1/5 each
    assert rest.min() >= -1.0 and rest.max() < 1.0
    assert abs(rest.mean()) < 0.02 and abs(rest.var() - 1 / 3) < 0.01  # U(-1, 1)
    again = np.asarray(tr.noise("mixture", jax.random.key(0), (3, 4000, 2), 5))
    np.testing.assert_array_equal(z, again)
    other = np.asarray(tr.noise("mixture", jax.random.key(1), (3, 4000, 2), 5))
    assert not np.array_equal(z, other)


def test_gaussian_and_uniform_noise_keep_their_shape():
    for kind in ("gaussian", "uniform"):
        assert tr.noise(kind, jax.random.key(0), (4, 3)).shape == (4, 3)
    with pytest.raises(ValueError, match="n_components >= 1"):
        tr.noise("mixture", jax.random.key(0), (4, 3))


@pytest.mark.parametrize("changes, message", [
    ({"n_components": 0}, "n_components must be"), ({"n_components": -3}, "n_components must"),
    ({"n_components": 2.5}, "n_components must"),
    ({"noise": "uniform"}, "n_components .* is for noise='mixture' only"),
    ({"noise": "gaussian"}, "n_components .* is for noise='mixture' only"),
])
def test_config_validates_n_components(changes, message):
    with pytest.raises(ValueError, match=message):
        small(**changes)


def test_config_noise_dim_and_json_round_trip():
    config = small()
    assert config.noise_dim == 7 and small(noise="uniform", n_components=0).noise_dim == 2
    assert tr.GANConfig.from_dict(config.to_dict()) == config


def test_generator_input_minibatches_and_samples_use_the_code():
    run = tr.GANRun(small(k=2), DATA)
    assert run.generator.net.layers[0].in_features == 7
    batch = run.minibatches(1)
    assert batch.d_noise.shape == (2, 16, 7) and batch.g_noise.shape == (16, 7)
    np.testing.assert_array_equal(np.asarray(batch.g_noise[:, :5]).sum(axis=-1), 1.0)
    key = jax.random.key(3)
    x = run.sample(10, key)
    assert x.shape == (10, 2)
    np.testing.assert_allclose(x, run.generate(tr.noise("mixture", key, (10, 2), 5)),
                               rtol=1e-6)
    with pytest.raises(ValueError, match=r"shape \(n, 7\)"):
        run.generate(np.zeros((10, 2)))
    run.train(6, progress=False)
    assert run.step == 6 and np.all(np.isfinite(run.history["g_loss"]))


def test_same_seed_same_numbers_and_the_code_changes_the_program():
    a = tr.train_gan(DATA, small(), progress=False)
    b = tr.train_gan(DATA, small(), progress=False)
    np.testing.assert_array_equal(a.history["d_loss"], b.history["d_loss"])
    c = tr.train_gan(DATA, small(n_components=3), progress=False)
    assert c.generator.net.layers[0].in_features == 5
    assert not np.array_equal(a.history["d_loss"], c.history["d_loss"])


def test_mixture_checkpoint_round_trip_and_mismatch(tmp_path):
    run = tr.train_gan(DATA, small(), progress=False)
    path = save_run(run, tmp_path / "run.npz")
    loaded = load_run(path, config=small(), data=DATA)
    key = jax.random.key(5)
    np.testing.assert_allclose(loaded.sample(8, key), run.sample(8, key), rtol=1e-6)
    with pytest.raises(ValueError, match="different GAN.*n_components"):
        load_run(path, config=small(n_components=6))


def test_mixture_noise_is_for_point_data():
    images = np.zeros((4, 8, 8, 1), np.float32)
    with pytest.raises(ValueError, match="mixture.*point data"):
        tr.GANRun(small(), images)
