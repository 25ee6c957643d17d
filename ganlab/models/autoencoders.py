"""Auto-encoders and variational auto-encoders for small images, in Flax NNX.

Shapes (``n`` = batch size, images ``(n, h, w, c)`` channels-last, values in [0, 1]):

- ``AutoEncoder``: ``encode(x)`` -> codes ``(n, latent_dim)``; ``decode(z)`` -> pixel logits
  ``(n, h, w, c)``; ``__call__(x)`` = ``decode(encode(x))``.
- ``VAE``: ``encode(x)`` -> ``(mean, log_var)``, each ``(n, latent_dim)``: the Gaussian
  q(z | x) = N(mean, diag(exp(log_var))); ``decode(z)`` -> pixel logits ``(n, h, w, c)``.

The decoder returns *logits*: pixel j of the image is modelled as Bernoulli with ink probability
sigmoid(logit_j), and the reconstruction loss is the binary cross-entropy (see
:mod:`ganlab.autoencoding`). ``encoder="mlp"`` flattens the image into an :class:`MLP`;
``encoder="conv"`` uses :class:`ConvEncoder` / :class:`ConvDecoder`. The decoder mirrors the
encoder: reversed hidden widths or channels.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from ganlab.models.conv import ConvDecoder, ConvEncoder, check_image_shape
from ganlab.models.mlp import MLP, _positive_int, activation_fn, check_hidden

__all__ = ["AutoEncoder", "VAE", "ENCODERS", "reparameterize"]

ENCODERS = ("mlp", "conv")


class _FlatMLP(nnx.Module):
    """Images ``(n, h, w, c)`` -> ``(n, out_dim)`` through an MLP on the flattened pixels."""

    def __init__(self, image_shape, out_dim, hidden, activation, *, rngs):
        h, w, c = image_shape
        self.net = MLP(h * w * c, out_dim, hidden, activation, rngs=rngs)

    def __call__(self, x):
        return self.net(x.reshape(x.shape[0], -1))


class _MLPImage(nnx.Module):
    """Vectors ``(n, in_dim)`` -> logits ``(n, h, w, c)`` through an MLP."""

    def __init__(self, in_dim, image_shape, hidden, activation, *, rngs):
        self.image_shape = tuple(image_shape)
        h, w, c = image_shape
        self.net = MLP(in_dim, h * w * c, hidden, activation, rngs=rngs)

    def __call__(self, z):
        return self.net(z).reshape(z.shape[0], *self.image_shape)


def _networks(image_shape, code_dim, latent_dim, encoder, hidden, channels, activation, rngs):
    """(encoder to ``code_dim`` outputs, decoder from ``latent_dim``), mirrored."""
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}; choose one of {list(ENCODERS)}")
    activation_fn(activation)
    if encoder == "mlp":
        shape = check_image_shape(image_shape, 0)
        hidden = check_hidden(hidden, "hidden")
        return (_FlatMLP(shape, code_dim, hidden, activation, rngs=rngs),
                _MLPImage(latent_dim, shape, hidden[::-1], activation, rngs=rngs))
    channels = check_hidden(channels, "channels")
    return (ConvEncoder(image_shape, code_dim, channels, activation, rngs=rngs),
            ConvDecoder(latent_dim, image_shape, channels[::-1], activation, rngs=rngs))


class AutoEncoder(nnx.Module):
    """x ``(n, h, w, c)`` -> code z = encoder(x) ``(n, latent_dim)`` -> logits decoder(z).

    ``hidden``: the MLP encoder's hidden widths (``encoder="mlp"``); ``channels``: the conv
    encoder's channels per level (``encoder="conv"``; h and w divisible by 2^levels).
    """

    def __init__(self, image_shape, latent_dim: int = 2, encoder: str = "mlp",
                 hidden=(128,), channels=(16, 32), activation: str = "relu", *,
                 rngs: nnx.Rngs):
        self.latent_dim = _positive_int("latent_dim", latent_dim)
        self.image_shape = tuple(image_shape)
        self.encoder, self.decoder = _networks(image_shape, self.latent_dim, self.latent_dim,
                                               encoder, hidden, channels, activation, rngs)

    def encode(self, x: jax.Array) -> jax.Array:
        """Images ``(n, h, w, c)`` -> codes ``(n, latent_dim)``."""
        return self.encoder(x)

    def decode(self, z: jax.Array) -> jax.Array:
        """Codes ``(n, latent_dim)`` -> pixel logits ``(n, h, w, c)``."""
        return self.decoder(z)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.decode(self.encode(x))


class VAE(nnx.Module):
    """Gaussian encoder q(z | x) = N(mean(x), diag σ²(x)), decoder p(x | z) with pixel logits.

    Same arguments as :class:`AutoEncoder`; the encoder has ``2 · latent_dim`` outputs, the
    mean and log σ² of each code coordinate.
    """

    def __init__(self, image_shape, latent_dim: int = 2, encoder: str = "mlp",
                 hidden=(128,), channels=(16, 32), activation: str = "relu", *,
                 rngs: nnx.Rngs):
        self.latent_dim = _positive_int("latent_dim", latent_dim)
        self.image_shape = tuple(image_shape)
        self.encoder, self.decoder = _networks(image_shape, 2 * self.latent_dim,
                                               self.latent_dim, encoder, hidden, channels,
                                               activation, rngs)

    def encode(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Images ``(n, h, w, c)`` -> (mean, log σ²), each ``(n, latent_dim)``."""
        out = self.encoder(x)
        return out[:, : self.latent_dim], out[:, self.latent_dim:]

    def decode(self, z: jax.Array) -> jax.Array:
        """Codes ``(n, latent_dim)`` -> pixel logits ``(n, h, w, c)``."""
        return self.decoder(z)

    def __call__(self, x: jax.Array, eps: jax.Array) -> jax.Array:
        """Logits of the decoded reparameterised sample z = mean + σ · eps, ``eps`` like mean."""
        mean, log_var = self.encode(x)
        return self.decode(reparameterize(mean, log_var, eps))


def reparameterize(mean: jax.Array, log_var: jax.Array, eps: jax.Array) -> jax.Array:
    """z = mean + exp(log_var / 2) · eps: a draw of N(mean, σ²) that is differentiable in
    mean and log_var (eps ~ N(0, I) carries the randomness). All shapes ``(n, latent_dim)``."""
    return mean + jnp.exp(0.5 * log_var) * eps
