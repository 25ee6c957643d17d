"""Convolutional encoder and decoder: shapes, validation, and that they can learn."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
import pytest
from flax import nnx

from ganlab.models import ConvDecoder, ConvEncoder


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (12, 16, 3)])
@pytest.mark.parametrize("norm", ["none", "layer"])
def test_shapes(shape, norm):
    enc = ConvEncoder(shape, 5, channels=(8, 16), norm=norm, rngs=nnx.Rngs(0))
    dec = ConvDecoder(5, shape, channels=(16, 8), norm=norm, rngs=nnx.Rngs(1))
    x = jax.random.uniform(jax.random.key(0), (3, *shape))
    code = enc(x)
    assert code.shape == (3, 5)
    assert dec(code).shape == (3, *shape)


def test_validation():
    with pytest.raises(ValueError, match="divisible by 4"):
        ConvEncoder((10, 10, 1), 2, channels=(8, 8), rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="height, width, channels"):
        ConvDecoder(2, (8, 8), rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="norm"):
        ConvEncoder((8, 8, 1), 2, norm="batch", rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="at least one level"):
        ConvDecoder(2, (8, 8, 1), channels=(), rngs=nnx.Rngs(0))


def test_encoder_decoder_learn_to_reconstruct():
    """Trained together for a few hundred steps, they reconstruct a small image set."""
    images = jax.random.uniform(jax.random.key(1), (16, 8, 8, 1)) > 0.5
    images = images.astype(jnp.float32)

    class AE(nnx.Module):
        def __init__(self):
            self.enc = ConvEncoder((8, 8, 1), 16, channels=(16, 32), rngs=nnx.Rngs(0))
            self.dec = ConvDecoder(16, (8, 8, 1), channels=(32, 16), rngs=nnx.Rngs(1))

    model = AE()
    opt = nnx.Optimizer(model, optax.adam(3e-3), wrt=nnx.Param)

    def loss_fn(m):
        logits = m.dec(m.enc(images))
        return optax.sigmoid_binary_cross_entropy(logits, images).mean()

    @nnx.jit
    def step(m, opt):
        value, grads = nnx.value_and_grad(loss_fn)(m)
        opt.update(m, grads)
        return value

    first = float(loss_fn(model))
    for _ in range(300):
        last = float(step(model, opt))
    assert first > 0.6 and last < 0.25 * first
