"""Convolutional building blocks for small images (8×8 digits, 28×28 MNIST).

Shapes (``n`` = batch size, images channels-last):

- ``ConvEncoder(image_shape=(h, w, c), out_dim)``: images ``(n, h, w, c)`` -> ``(n, out_dim)``.
  Each level is a 3×3 convolution with stride 2 (halving height and width), then the activation;
  the last feature map is flattened into one linear layer.
- ``ConvDecoder(in_dim, image_shape=(h, w, c))``: vectors ``(n, in_dim)`` -> ``(n, h, w, c)``
  raw scores ("logits"; apply a sigmoid for pixel values in [0, 1]). A linear layer makes a
  ``(h / 2^L, w / 2^L, channels[0])`` map; each of the L levels doubles it (nearest neighbour)
  and applies a 3×3 convolution: upsampling then convolving avoids the checkerboard pattern of
  transposed convolutions.

The encoder is an auto-encoder's encoder and, with ``out_dim=1``, an image discriminator; the
decoder is an auto-encoder's decoder and an image generator. ``norm="layer"`` puts a layer norm
after every hidden convolution (statistics per image, so nothing depends on the batch, unlike
batch norm, and nothing changes between training and sampling).

Every 3×3 convolution is a :class:`Conv3x3` (parameters ``kernel`` ``(3, 3, c_in, c_out)`` and
``bias`` ``(c_out,)``, initialised as ``nnx.Conv`` does with LeCun-uniform weights and zero
biases) computed by :func:`conv3x3`. XLA's own convolutions are slow on the CPU for images this
small (slowest of all the transposed ones that the gradient of a stride-2 convolution needs), so
by default the convolutions are written as matrix products, which the CPU runs fast:

- a convolution with stride s (the encoder's s = 2), "im2col": the nine shifted, every s-th
  pixel, slices of the zero-padded input, side by side on the channel axis, form an
  ``(n·h'·w', 9·c_in)`` matrix; one product with the kernel as a ``(9·c_in, c_out)`` matrix
  gives every output pixel.
- a decoder level, ×2 nearest-neighbour upsampling then a stride-1 convolution: output pixel p
  is the sum over the nine taps t of (upsampled input at p + t) @ kernel[t]. Upsampling only
  copies pixels, so the products are taken on the coarse input, ``z = x @ [kernel[t] for every
  t]`` ``(n·h·w, 9·c_out)``, four times fewer than on the upsampled one; each tap's slice of z
  is then upsampled, shifted by t and added.

Both agree with ``jax.lax.conv_general_dilated`` (on the upsampled input) up to float rounding,
values and gradients (tests/test_conv.py). The environment variable ``GANLAB_CONV``, read once
when this module is imported, picks the implementation: ``matmul`` (the default, above) or
``native`` (``jax.lax.conv_general_dilated``), kept for checking and benchmarking
(``benchmarks/bench_conv.py`` compares the two). Upsampling is a broadcast and a reshape in both.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from ganlab.models.mlp import (
    _LECUN_UNIFORM,
    ACTIVATIONS,
    _positive_int,
    activation_fn,
    check_hidden,
)

__all__ = [
    "IMPLEMENTATION",
    "IMPLEMENTATIONS",
    "NORMS",
    "Conv3x3",
    "ConvDecoder",
    "ConvEncoder",
    "check_image_shape",
    "conv3x3",
    "upsample",
]

NORMS = ("none", "layer")

IMPLEMENTATIONS = ("matmul", "native")


def _implementation(value: str) -> str:
    if value not in IMPLEMENTATIONS:
        raise ValueError(f"unknown convolution implementation {value!r} (environment variable "
                         f"GANLAB_CONV); choose one of {list(IMPLEMENTATIONS)}")
    return value


IMPLEMENTATION = _implementation(os.environ.get("GANLAB_CONV", "matmul"))
"""How :func:`conv3x3` computes by default: ``GANLAB_CONV`` at import, ``"matmul"`` if unset."""


def check_image_shape(image_shape, levels: int) -> tuple[int, int, int]:
    """``image_shape`` as ``(h, w, c)``; h and w must be divisible by ``2**levels``."""
    if not isinstance(image_shape, Sequence) or len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape!r}")
    h, w, c = (_positive_int("every entry of image_shape", v) for v in image_shape)
    factor = 2**levels
    if h % factor or w % factor:
        raise ValueError(
            f"with {levels} levels, height and width must be divisible by {factor}; got "
            f"{h}×{w}: use fewer channels entries or pad the images")
    return h, w, c


def _check_norm(norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; choose one of {list(NORMS)}")
    return norm


# ---------------------------------------------------------------------------------------------
# The convolution.


def upsample(x: jax.Array) -> jax.Array:
    """Nearest-neighbour ×2 in height and width: ``(n, h, w, c)`` -> ``(n, 2h, 2w, c)``."""
    n, h, w, c = x.shape
    return jnp.broadcast_to(x[:, :, None, :, None, :], (n, h, 2, w, 2, c)).reshape(
        n, 2 * h, 2 * w, c)


def _same_padding(size: int, stride: int) -> tuple[int, tuple[int, int]]:
    """Output size and (before, after) zero padding of a 3-wide window with SAME padding (the
    rule of ``lax.conv_general_dilated``: any odd pixel of padding goes after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + 3 - size, 0)
    return out, (total // 2, total - total // 2)


def _im2col_conv(x: jax.Array, kernel: jax.Array, stride: int) -> jax.Array:
    """``(n, h, w, c)`` -> ``(n, ceil(h/s), ceil(w/s), c_out)``: one matmul of the nine
    shifted slices side by side (``(n·h'·w', 9·c)``) with the kernel as ``(9·c, c_out)``."""
    n, h, w, c = x.shape
    h_out, pad_h = _same_padding(h, stride)
    w_out, pad_w = _same_padding(w, stride)
    x = jnp.pad(x, ((0, 0), pad_h, pad_w, (0, 0)))
    span_h, span_w = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    patches = jnp.concatenate([x[:, i:i + span_h:stride, j:j + span_w:stride]
                               for i in range(3) for j in range(3)], axis=-1)
    out = patches.reshape(n * h_out * w_out, 9 * c) @ kernel.reshape(9 * c, -1)
    return out.reshape(n, h_out, w_out, -1)


def _shift(x: jax.Array, di: int, dj: int) -> jax.Array:
    """``out[:, i, j] = x[:, i + di, j + dj]``, zero where that falls outside; same shape."""
    zero = jnp.zeros((), x.dtype)
    return jax.lax.pad(x, zero, ((0, 0, 0), (-di, di, 0), (-dj, dj, 0), (0, 0, 0)))


def _upsample_conv(x: jax.Array, kernel: jax.Array) -> jax.Array:
    """``(n, h, w, c)`` -> ``(n, 2h, 2w, c_out)``: the stride-1 convolution of upsample(x),
    with the products taken on the coarse x (one matmul to every tap's ``c_out`` outputs),
    then each tap's outputs upsampled, shifted and summed."""
    n, h, w, c = x.shape
    c_out = kernel.shape[-1]
    taps = kernel.transpose(2, 0, 1, 3).reshape(c, 9 * c_out)  # (c, tap, c_out)
    z = upsample((x.reshape(n * h * w, c) @ taps).reshape(n, h, w, 9 * c_out))
    # lax.split (not 9 slices): its gradient is one concatenation, not 9 padded copies of z.
    per_tap = jax.lax.split(z, [c_out] * 9, axis=3)
    out = _shift(per_tap[0], -1, -1)
    for t in range(1, 9):
        out = out + _shift(per_tap[t], t // 3 - 1, t % 3 - 1)
    return out


def _native_conv(x: jax.Array, kernel: jax.Array, stride: int) -> jax.Array:
    return jax.lax.conv_general_dilated(x, kernel, (stride, stride), "SAME",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def conv3x3(x: jax.Array, kernel: jax.Array, bias: jax.Array | None = None, stride: int = 1,
            *, upsampled: bool = False, implementation: str | None = None) -> jax.Array:
    """3×3 convolution with SAME padding, as ``jax.lax.conv_general_dilated`` computes it
    (cross-correlation; channels-last).

    ``x`` ``(n, h, w, c_in)``, ``kernel`` ``(3, 3, c_in, c_out)``, ``bias`` ``(c_out,)`` or
    None -> ``(n, ceil(h / stride), ceil(w / stride), c_out)``. ``upsampled=True``: the
    convolution (stride 1) of ``upsample(x)``, ``(n, 2h, 2w, c_out)``, computed without making
    the upsampled input. ``implementation``: ``"matmul"`` or ``"native"`` (default
    :data:`IMPLEMENTATION`; see the module docstring).
    """
    implementation = IMPLEMENTATION if implementation is None else _implementation(
        implementation)
    if x.ndim != 4 or kernel.shape[:2] != (3, 3) or kernel.ndim != 4 \
            or kernel.shape[2] != x.shape[3]:
        raise ValueError(f"conv3x3 needs x (n, h, w, c_in) and kernel (3, 3, c_in, c_out); got "
                         f"x {tuple(x.shape)} and kernel {tuple(kernel.shape)}")
    stride = _positive_int("stride", stride)
    if upsampled and stride != 1:
        raise ValueError(f"upsampled=True convolves with stride 1, got stride={stride}")
    if implementation == "native":
        out = _native_conv(upsample(x) if upsampled else x, kernel, stride)
    elif upsampled:
        out = _upsample_conv(x, kernel)
    else:
        out = _im2col_conv(x, kernel, stride)
    return out if bias is None else out + bias


class Conv3x3(nnx.Module):
    """A 3×3 convolution layer with SAME padding: ``(n, h, w, in_features)`` ->
    ``(n, ceil(h / stride), ceil(w / stride), out_features)``, or ``(n, 2h, 2w,
    out_features)`` when called with ``upsampled=True`` (the convolution of the ×2
    nearest-neighbour upsampled input; stride 1).

    Parameters as ``nnx.Conv``'s, the same shapes, names and initialisation (so states and
    checkpoints are interchangeable): ``kernel`` ``(3, 3, in_features, out_features)``
    (LeCun uniform), ``bias`` ``(out_features,)`` (zeros).
    """

    def __init__(self, in_features: int, out_features: int, stride: int = 1, *,
                 rngs: nnx.Rngs):
        in_features = _positive_int("in_features", in_features)
        out_features = _positive_int("out_features", out_features)
        self.stride = _positive_int("stride", stride)
        self.kernel = nnx.Param(_LECUN_UNIFORM(rngs.params(), (3, 3, in_features, out_features),
                                               jnp.float32))
        self.bias = nnx.Param(jnp.zeros((out_features,), jnp.float32))

    def __call__(self, x: jax.Array, *, upsampled: bool = False) -> jax.Array:
        return conv3x3(x, self.kernel[...], self.bias[...], self.stride, upsampled=upsampled)


# ---------------------------------------------------------------------------------------------
# Encoder and decoder.


class ConvEncoder(nnx.Module):
    """Images ``(n, h, w, c)`` -> ``(n, out_dim)``: stride-2 convolutions, then a linear layer.

    ``channels`` lists the channels of each level (one halving of h and w per entry).
    """

    def __init__(self, image_shape, out_dim: int, channels: Sequence[int] = (32, 64),
                 activation: str = "leaky_relu", norm: str = "none", *, rngs: nnx.Rngs):
        channels = check_hidden(channels, "channels")
        if not channels:
            raise ValueError("channels must list at least one level, e.g. (32, 64)")
        h, w, c = check_image_shape(image_shape, len(channels))
        activation_fn(activation)
        self.image_shape = (h, w, c)
        self.activation = activation
        self.norm = _check_norm(norm)
        widths = (c, *channels)
        self.convs = nnx.List([Conv3x3(a, b, 2, rngs=rngs) for a, b in itertools.pairwise(widths)])
        self.norms = nnx.List(
            [nnx.LayerNorm(b, rngs=rngs) for b in channels] if norm == "layer" else [])
        flat = (h >> len(channels)) * (w >> len(channels)) * channels[-1]
        self.out = nnx.Linear(flat, _positive_int("out_dim", out_dim),
                              kernel_init=_LECUN_UNIFORM, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if self.norms:
                x = self.norms[i](x)
            x = act(x)
        return self.out(x.reshape(x.shape[0], -1))


class ConvDecoder(nnx.Module):
    """Vectors ``(n, in_dim)`` -> logits ``(n, h, w, c)``: linear, then upsample + convolve.

    ``channels`` lists the channels of each level from coarse to fine (one doubling of h and w
    per entry); the last convolution maps to the image's c channels with no activation.
    """

    def __init__(self, in_dim: int, image_shape, channels: Sequence[int] = (64, 32),
                 activation: str = "relu", norm: str = "none", *, rngs: nnx.Rngs):
        channels = check_hidden(channels, "channels")
        if not channels:
            raise ValueError("channels must list at least one level, e.g. (64, 32)")
        h, w, c = check_image_shape(image_shape, len(channels))
        activation_fn(activation)
        self.image_shape = (h, w, c)
        self.activation = activation
        self.norm = _check_norm(norm)
        self.base = (h >> len(channels), w >> len(channels), channels[0])
        self.inp = nnx.Linear(_positive_int("in_dim", in_dim),
                              self.base[0] * self.base[1] * self.base[2],
                              kernel_init=_LECUN_UNIFORM, rngs=rngs)
        widths = (*channels, c)
        self.convs = nnx.List([Conv3x3(a, b, rngs=rngs) for a, b in itertools.pairwise(widths)])
        self.norms = nnx.List(
            [nnx.LayerNorm(b, rngs=rngs) for b in channels[1:]] if norm == "layer" else [])

    def __call__(self, z: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        x = act(self.inp(z).reshape(z.shape[0], *self.base))
        *hidden, last = self.convs
        for i, conv in enumerate(hidden):
            x = conv(x, upsampled=True)
            if self.norms:
                x = self.norms[i](x)
            x = act(x)
        return last(x, upsampled=True)
