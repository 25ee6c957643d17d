import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from ganlab import models


def test_mlp_shapes_and_depth():
    net = models.MLP(3, 2, hidden=(16, 8, 4), activation="tanh", rngs=nnx.Rngs(0))
    assert net(jnp.ones((5, 3))).shape == (5, 2)
    assert [layer.kernel.shape for layer in net.layers] == [(3, 16), (16, 8), (8, 4), (4, 2)]


def test_mlp_without_hidden_layers_is_affine():
    net = models.MLP(2, 1, hidden=(), rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(1), (7, 2))
    layer = net.layers[0]
    np.testing.assert_allclose(net(x), x @ layer.kernel[...] + layer.bias[...], rtol=1e-6)


@pytest.mark.parametrize("activation", sorted(models.ACTIVATIONS))
def test_every_activation_runs(activation):
    net = models.MLP(1, 1, hidden=(4,), activation=activation, rngs=nnx.Rngs(0))
    out = net(jnp.linspace(-3, 3, 11)[:, None])
    assert out.shape == (11, 1) and out.dtype == jnp.float32
    assert bool(jnp.all(jnp.isfinite(out)))


@pytest.mark.parametrize("hidden", [(0,), (32, -1), (2.5,), ("32",), (True,), "32", None])
def test_bad_widths_raise(hidden):
    with pytest.raises(ValueError, match="width|hidden"):
        models.MLP(1, 1, hidden=hidden, rngs=nnx.Rngs(0))


def test_bad_dims_and_activation_raise():
    with pytest.raises(ValueError, match="in_dim"):
        models.MLP(0, 1, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="relu"):
        models.MLP(1, 1, activation="swishy", rngs=nnx.Rngs(0))


def test_generator_and_discriminator_shapes():
    gen = models.Generator(latent_dim=3, data_dim=2, hidden=(8,), rngs=nnx.Rngs(0))
    disc = models.Discriminator(data_dim=2, hidden=(8, 8), rngs=nnx.Rngs(1))
    x = gen(jnp.zeros((6, 3)))
    assert x.shape == (6, 2)
    assert disc(x).shape == (6,)


def test_data_scale_places_generator_and_standardises_discriminator_input():
    gen = models.Generator(1, 1, hidden=(4,), loc=3.0, scale=2.0, rngs=nnx.Rngs(0))
    z = jnp.linspace(-1, 1, 5)[:, None]
    np.testing.assert_allclose(gen(z), 3.0 + 2.0 * gen.net(z), rtol=1e-6)
    disc = models.Discriminator(1, hidden=(4,), loc=3.0, scale=2.0, rngs=nnx.Rngs(0))
    x = jnp.linspace(0, 6, 5)[:, None]
    np.testing.assert_allclose(disc(x), disc.net((x - 3.0) / 2.0)[:, 0], rtol=1e-6)
    with pytest.raises(ValueError, match="scale"):
        models.Discriminator(1, scale=0.0, rngs=nnx.Rngs(0))


def test_data_scale_is_not_a_parameter():
    gen = models.Generator(1, 1, hidden=(4,), rngs=nnx.Rngs(0))
    params = nnx.state(gen, nnx.Param)
    assert len(jax.tree.leaves(params)) == 4  # two layers × (kernel, bias)
    assert len(jax.tree.leaves(nnx.state(gen))) == 6  # plus loc and scale


def test_modules_are_trees_and_init_is_seeded():
    a = models.Discriminator(1, hidden=(8, 8), rngs=nnx.Rngs(0))
    b = models.Discriminator(1, hidden=(8, 8), rngs=nnx.Rngs(0))
    c = models.Discriminator(1, hidden=(8, 8), rngs=nnx.Rngs(1))
    leaves_a, leaves_b, leaves_c = (jax.tree.leaves(nnx.state(m)) for m in (a, b, c))
    assert all(np.array_equal(x, y) for x, y in zip(leaves_a, leaves_b))
    assert not all(np.array_equal(x, y) for x, y in zip(leaves_a, leaves_c))
    # No array is reachable twice: every kernel is its own.
    ids = [id(layer.kernel) for layer in a.net.layers]
    assert len(set(ids)) == len(ids)
