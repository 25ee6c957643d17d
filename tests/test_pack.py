"""PacGAN packing in the engine: GANConfig.pack, the packed discriminator, checkpoints."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from ganlab import distributions as dist
from ganlab import training as tr
from ganlab.checkpoints import load_run, save_run

DATA = dist.ring(n_modes=4, radius=1.0, scale=0.05)


def small(**changes):
    base = tr.GANConfig(steps=5, batch_size=12, hidden=(8,), latent_dim=2, noise="uniform",
                        chunk_size=4, seed=1)
    return base.replace(**changes)


@pytest.mark.parametrize("pack, batch", [(0, 12), (-1, 12), (2.5, 12), (5, 12), (3, 10)])
def test_pack_must_be_a_positive_divisor_of_the_batch(pack, batch):
    with pytest.raises(ValueError, match="pack"):
        small(pack=pack, batch_size=batch)


def test_packed_discriminator_takes_pack_points_side_by_side():
    run = tr.GANRun(small(pack=3), DATA)
    assert run.discriminator.net.layers[0].in_features == 2 * 3
    np.testing.assert_allclose(run.discriminator.loc[...], np.tile(run.generator.loc[...], 3))
    np.testing.assert_allclose(run.discriminator.scale[...],
                               np.tile(run.generator.scale[...], 3))
    x = np.array([[0.1, 0.2], [1.0, -1.0]], np.float32)
    # discriminate(x) judges a pack of copies of each point
    expected = jax.nn.sigmoid(run.discriminator(jnp.tile(jnp.asarray(x), (1, 3))))
    np.testing.assert_allclose(run.discriminate(x), expected, rtol=1e-6)
    assert run.sample(5, jax.random.key(0)).shape == (5, 2)
    assert tr.GANConfig.from_dict(run.config.to_dict()).pack == 3


def test_a_hand_written_packed_step_reproduces_train_1():
    run = tr.GANRun(small(pack=2, k=2), DATA).train(3, progress=False)
    gen, disc, opt_g, opt_d = nnx.clone((run.generator, run.discriminator,
                                         run.optimizers["generator"],
                                         run.optimizers["discriminator"]))
    batch = run.minibatches(run.step + 1)

    def packs(x):  # (12, 2) -> (6, 4): consecutive samples side by side
        return x.reshape(6, 4)

    def d_loss_fn(disc, real, fake):
        return -jnp.mean(jax.nn.log_sigmoid(disc(packs(real)))) - jnp.mean(
            jax.nn.log_sigmoid(-disc(packs(fake))))

    d_losses = []
    for real, z in zip(batch.reals, batch.d_noise):
        value, grads = nnx.value_and_grad(d_loss_fn)(disc, real, gen(z))
        opt_d.update(disc, grads)
        d_losses.append(float(value))
    g_value, grads = nnx.value_and_grad(
        lambda g: -jnp.mean(jax.nn.log_sigmoid(disc(packs(g(batch.g_noise))))))(gen)
    opt_g.update(gen, grads)
    run.train(1, progress=False)
    np.testing.assert_allclose(np.mean(d_losses), run.history["d_loss"][-1], rtol=1e-5)
    np.testing.assert_allclose(float(g_value), run.history["g_loss"][-1], rtol=1e-5)
    for a, b in zip(jax.tree.leaves(nnx.state((gen, disc))),
                    jax.tree.leaves(nnx.state((run.generator, run.discriminator))), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_pack_1_is_the_unpacked_gan():
    a = tr.train_gan(DATA, small(pack=1), progress=False)
    assert a.discriminator.net.layers[0].in_features == 2
    c = tr.train_gan(DATA, small(pack=2), progress=False)
    assert not np.array_equal(a.history["d_loss"], c.history["d_loss"])


def test_packed_checkpoint_round_trip(tmp_path):
    run = tr.train_gan(DATA, small(pack=4), progress=False)
    path = save_run(run, tmp_path / "packed")
    loaded = load_run(path, data=DATA)
    assert loaded.config.pack == 4 and loaded.step == run.step
    x = np.array([[0.0, 1.0], [0.5, 0.5]], np.float32)
    np.testing.assert_array_equal(loaded.discriminate(x), run.discriminate(x))
    with pytest.raises(ValueError, match="pack"):
        load_run(path, config=run.config.replace(pack=2))
    loaded.train(3, progress=False)
    run.train(3, progress=False)
    np.testing.assert_array_equal(loaded.history["g_loss"], run.history["g_loss"])
