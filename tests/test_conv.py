"""Convolutional encoder and decoder: shapes, validation, and that they can learn; the
matmul convolutions against ``jax.lax.conv_general_dilated``, values and gradients."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from hypothesis import given, settings
from hypothesis import strategies as st

from ganlab.models import ConvDecoder, ConvEncoder
from ganlab.models import conv as conv_module
from ganlab.models.conv import Conv3x3, conv3x3, upsample


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


# ---- the convolution itself, against XLA's -------------------------------------------------


def _reference(x, kernel, bias, stride=1, upsampled=False):
    """XLA's convolution (of the input upsampled with jnp.repeat when ``upsampled``)."""
    if upsampled:
        x = jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
    out = jax.lax.conv_general_dilated(x, kernel, (stride, stride), "SAME",
                                       dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return out + bias


def _inputs(seed, n, h, w, c_in, c_out):
    kx, kk, kb = jax.random.split(jax.random.key(seed), 3)
    return (jax.random.normal(kx, (n, h, w, c_in)),
            jax.random.normal(kk, (3, 3, c_in, c_out)) / np.sqrt(9 * c_in),
            jax.random.normal(kb, (c_out,)))


def _value_and_grads(fn, x, kernel, bias):
    """fn(x, kernel, bias) and its gradients w.r.t. all three for a fixed, varied cotangent
    (one compiled program: far quicker to build than op-by-op calls)."""
    @jax.jit
    def run(x, kernel, bias):
        out, vjp = jax.vjp(fn, x, kernel, bias)
        cotangent = jnp.cos(1.7 * jnp.arange(out.size, dtype=out.dtype)).reshape(out.shape)
        return out, vjp(cotangent)

    return run(x, kernel, bias)


def _check_against_reference(x, kernel, bias, stride=1, upsampled=False,
                             implementation="matmul"):
    """Values and the gradients w.r.t. input, kernel and bias agree with XLA's."""
    out, grads = _value_and_grads(lambda x, k, b: conv3x3(
        x, k, b, stride, upsampled=upsampled, implementation=implementation), x, kernel, bias)
    expected, expected_grads = _value_and_grads(
        lambda x, k, b: _reference(x, k, b, stride, upsampled), x, kernel, bias)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    for name, got, want in zip(("input", "kernel", "bias"), grads, expected_grads):
        scale = float(jnp.max(jnp.abs(want))) + 1.0
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * scale,
                                   err_msg=f"gradient w.r.t. the {name}")


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("n, h, w, c_in, c_out", [
    (4, 8, 8, 1, 16), (4, 8, 8, 16, 32), (3, 28, 28, 1, 8), (2, 28, 28, 16, 4),
    (2, 7, 7, 32, 16), (2, 5, 6, 3, 1)])
def test_conv_matches_xla(stride, n, h, w, c_in, c_out):
    _check_against_reference(*_inputs(0, n, h, w, c_in, c_out), stride)


@pytest.mark.parametrize("n, h, w, c_in, c_out", [
    (4, 2, 2, 32, 16), (4, 4, 4, 16, 1), (2, 7, 7, 32, 16), (2, 14, 14, 16, 1), (2, 3, 5, 4, 6)])
def test_upsampled_conv_matches_xla(n, h, w, c_in, c_out):
    """The decoder's ×2 nearest-neighbour upsampling then convolution (8×8 and 28×28 out)."""
    _check_against_reference(*_inputs(1, n, h, w, c_in, c_out), upsampled=True)


@pytest.mark.parametrize("upsampled, stride", [(False, 1), (False, 2), (True, 1)])
def test_native_implementation_matches_xla(upsampled, stride):
    _check_against_reference(*_inputs(2, 2, 4, 4, 3, 5), stride, upsampled, "native")


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 2), h=st.integers(1, 9), w=st.integers(1, 9), c_in=st.integers(1, 5),
       c_out=st.integers(1, 5), stride=st.integers(1, 3), upsampled=st.booleans(),
       seed=st.integers(0, 2**16))
def test_conv_matches_xla_on_any_shape(n, h, w, c_in, c_out, stride, upsampled, seed):
    stride = 1 if upsampled else stride
    _check_against_reference(*_inputs(seed, n, h, w, c_in, c_out), stride, upsampled)


def test_upsample_repeats_each_pixel_into_a_2x2_block():
    x = jax.random.normal(jax.random.key(0), (2, 3, 5, 4))
    np.testing.assert_array_equal(upsample(x), jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2))


def test_conv3x3_validation():
    x, kernel, bias = _inputs(0, 1, 4, 4, 2, 3)
    with pytest.raises(ValueError, match="kernel"):
        conv3x3(x, kernel[:, :, :1], bias)
    with pytest.raises(ValueError, match="stride"):
        conv3x3(x, kernel, bias, 0)
    with pytest.raises(ValueError, match="stride 1"):
        conv3x3(x, kernel, bias, 2, upsampled=True)
    with pytest.raises(ValueError, match="matmul"):
        conv3x3(x, kernel, bias, implementation="fast")


def test_conv3x3_layer_has_nnx_conv_parameters():
    """Same parameter names, shapes, initial values and state paths as ``nnx.Conv``."""
    ours = Conv3x3(3, 5, 2, rngs=nnx.Rngs(7))
    theirs = nnx.Conv(3, 5, kernel_size=(3, 3), strides=(2, 2), padding="SAME",
                      kernel_init=nnx.initializers.lecun_uniform(), rngs=nnx.Rngs(7))
    ours_state, theirs_state = nnx.state(ours), nnx.state(theirs)
    assert jax.tree.structure(ours_state) == jax.tree.structure(theirs_state)
    for a, b in zip(jax.tree.leaves(ours_state), jax.tree.leaves(theirs_state)):
        np.testing.assert_array_equal(a, b)
    x = jax.random.normal(jax.random.key(0), (2, 8, 8, 3))
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1)])
def test_networks_agree_with_native_convolutions(shape, monkeypatch):
    """Encoder and decoder give the same outputs and gradients with either implementation."""
    enc = ConvEncoder(shape, 3, channels=(8, 16), norm="layer", rngs=nnx.Rngs(0))
    dec = ConvDecoder(3, shape, channels=(16, 8), norm="layer", rngs=nnx.Rngs(1))
    x = jax.random.uniform(jax.random.key(2), (4, *shape))

    def loss(enc, dec):
        return jnp.mean(jnp.square(dec(enc(x)) - x))

    def loss_and_grads():  # a new jitted function each call: traced with IMPLEMENTATION now
        value, grads = nnx.jit(nnx.value_and_grad(loss, argnums=(0, 1)))(enc, dec)
        return value, jax.tree.leaves(grads)

    value, grads = loss_and_grads()
    monkeypatch.setattr(conv_module, "IMPLEMENTATION", "native")
    value_native, grads_native = loss_and_grads()
    np.testing.assert_allclose(value, value_native, rtol=1e-5)
    for got, want in zip(grads, grads_native):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
