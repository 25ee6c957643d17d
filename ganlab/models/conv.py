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
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from ganlab.models.mlp import _LECUN_UNIFORM, ACTIVATIONS, _positive_int, activation_fn, \
    check_hidden

__all__ = ["ConvEncoder", "ConvDecoder", "NORMS", "check_image_shape"]

NORMS = ("none", "layer")


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


def _conv(a: int, b: int, stride: int, rngs: nnx.Rngs) -> nnx.Conv:
    return nnx.Conv(a, b, kernel_size=(3, 3), strides=(stride, stride), padding="SAME",
                    kernel_init=_LECUN_UNIFORM, rngs=rngs)


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
        self.convs = nnx.List([_conv(a, b, 2, rngs) for a, b in zip(widths[:-1], widths[1:])])
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
        self.convs = nnx.List([_conv(a, b, 1, rngs) for a, b in zip(widths[:-1], widths[1:])])
        self.norms = nnx.List(
            [nnx.LayerNorm(b, rngs=rngs) for b in channels[1:]] if norm == "layer" else [])

    def __call__(self, z: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        x = act(self.inp(z).reshape(z.shape[0], *self.base))
        *hidden, last = self.convs
        for i, conv in enumerate(hidden):
            x = conv(_upsample(x))
            if self.norms:
                x = self.norms[i](x)
            x = act(x)
        return last(_upsample(x))


def _upsample(x: jax.Array) -> jax.Array:
    """Nearest-neighbour ×2 in height and width: ``(n, h, w, c)`` -> ``(n, 2h, 2w, c)``."""
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
