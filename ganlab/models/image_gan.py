"""DCGAN-style generator and discriminator for small images, plain or conditional on a label.

Shapes (``n`` = batch size, images channels-last, ``K`` = ``n_classes``):

- ``ImageGenerator(latent_dim, image_shape=(h, w, c))``: noise ``(n, latent_dim)`` -> images
  ``(n, h, w, c)`` in [0, 1]. A :class:`~ganlab.models.ConvDecoder` (linear to a coarse map,
  then nearest-neighbour ×2 + 3×3 convolution per level) followed by
  ``loc + scale · tanh(·)``; with the default ``loc = scale = 0.5`` that is a sigmoid-shaped
  squash onto [0, 1].
- ``ImageDiscriminator(image_shape=(h, w, c))``: images ``(n, h, w, c)`` -> logits ``(n,)``.
  A :class:`~ganlab.models.ConvEncoder` (stride-2 3×3 convolutions, leaky ReLU) with one output,
  fed ``(x − loc) / scale``, i.e. pixels mapped from [0, 1] to [−1, 1].

Conditional versions (``n_classes = K > 0``), as in Mirza & Osindero's conditional GAN: the
label, one-hot, is concatenated to the generator's noise, and shown to the discriminator as K
extra input channels (channel j is all ones for label j, all zeros otherwise). So that the
training loop can pass one array per sample, a conditional generator takes
``(n, latent_dim + K)`` (noise, then the one-hot label) and returns its image *with* the K label
planes appended, ``(n, h, w, c + K)``: exactly the form in which real images and their labels
reach the discriminator. :func:`label_planes` and :func:`with_labels` build those arrays.

Normalisation: ``norm="layer"`` puts a layer norm after every hidden convolution (per image, so
nothing depends on the batch: no train/sample difference and a valid gradient penalty, which
batch norm would break); ``"none"`` (the default) suits 8×8 digits, whose nets are two levels
deep.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab.models.conv import ConvDecoder, ConvEncoder, check_image_shape
from ganlab.models.mlp import DataScale, check_hidden
from ganlab.validate import integer

__all__ = ["ImageGenerator", "ImageDiscriminator", "label_planes", "with_labels"]


def _n_classes(value) -> int:
    return integer("n_classes", value, low=0, note="(0: not conditional)")


def _pixel_scale(value, shape: tuple[int, int, int], what: str) -> DataScale:
    arr = np.broadcast_to(np.asarray(0.5 if value is None else value, np.float32), shape)
    if not np.all(np.isfinite(arr)) or (what == "scale" and np.any(arr <= 0)):
        raise ValueError(f"{what} must be finite{' and > 0' if what == 'scale' else ''}, "
                         f"broadcastable to {shape}, got {value!r}")
    return DataScale(jnp.asarray(arr))


def label_planes(one_hot: jax.Array, height: int, width: int) -> jax.Array:
    """One-hot labels ``(n, K)`` -> constant label planes ``(n, height, width, K)``."""
    return jnp.broadcast_to(one_hot[:, None, None, :],
                            (one_hot.shape[0], height, width, one_hot.shape[1]))


def with_labels(noise: jax.Array, labels: jax.Array, n_classes: int) -> jax.Array:
    """Conditional generator input: noise ``(..., latent_dim)`` and integer labels ``(...)`` ->
    ``(..., latent_dim + n_classes)`` (the one-hot label after the noise)."""
    return jnp.concatenate([noise, jax.nn.one_hot(labels, n_classes, dtype=noise.dtype)], -1)


class ImageGenerator(nnx.Module):
    """G: ``(n, latent_dim + K)`` -> images ``(n, h, w, c + K)``, pixels in [loc − scale,
    loc + scale] (= [0, 1] by default); ``K = n_classes`` label planes are appended when K > 0.

    ``channels`` lists the decoder's channels from coarse to fine (each entry doubles h and w).
    """

    def __init__(self, latent_dim: int, image_shape, channels: Sequence[int] = (64, 32),
                 activation: str = "relu", norm: str = "none", n_classes: int = 0, *,
                 loc=None, scale=None, rngs: nnx.Rngs):
        self.n_classes = _n_classes(n_classes)
        self.latent_dim = int(latent_dim)
        self.net = ConvDecoder(latent_dim + self.n_classes, image_shape, channels, activation,
                               norm, rngs=rngs)
        self.image_shape = self.net.image_shape
        self.loc = _pixel_scale(loc, self.image_shape, "loc")
        self.scale = _pixel_scale(scale, self.image_shape, "scale")

    def __call__(self, z: jax.Array) -> jax.Array:
        images = self.loc[...] + self.scale[...] * jnp.tanh(self.net(z))
        if not self.n_classes:
            return images
        h, w, _ = self.image_shape
        return jnp.concatenate([images, label_planes(z[:, self.latent_dim:], h, w)], axis=-1)


class ImageDiscriminator(nnx.Module):
    """D: images ``(n, h, w, c + K)`` -> logits ``(n,)``; the first c channels are the image
    (standardised as ``(x − loc) / scale``), the last ``K = n_classes`` the label planes
    (mapped from {0, 1} to {−1, 1}).

    ``channels`` lists the encoder's channels from fine to coarse (each entry halves h and w).
    """

    def __init__(self, image_shape, channels: Sequence[int] = (32, 64), norm: str = "none",
                 n_classes: int = 0, *, loc=None, scale=None, rngs: nnx.Rngs):
        self.n_classes = _n_classes(n_classes)
        h, w, c = check_image_shape(image_shape, len(check_hidden(channels, "channels")))
        self.image_shape = (h, w, c)
        self.net = ConvEncoder((h, w, c + self.n_classes), 1, channels, "leaky_relu", norm,
                               rngs=rngs)
        self.loc = _pixel_scale(loc, self.image_shape, "loc")
        self.scale = _pixel_scale(scale, self.image_shape, "scale")

    def __call__(self, x: jax.Array) -> jax.Array:
        c = self.image_shape[2]
        x = jnp.concatenate([(x[..., :c] - self.loc[...]) / self.scale[...],
                             2.0 * x[..., c:] - 1.0], axis=-1)
        return self.net(x)[:, 0]
