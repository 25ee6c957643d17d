"""Flax NNX networks for the toy GANs: an MLP, a generator and a discriminator.

Shapes (``n`` = batch size):

- ``MLP(in_dim, out_dim)``:                 ``(n, in_dim)`` -> ``(n, out_dim)``
- ``Generator(latent_dim, data_dim)``:      noise ``(n, latent_dim)`` -> samples ``(n, data_dim)``
- ``Discriminator(data_dim)``:              samples ``(n, data_dim)`` -> logits ``(n,)``

The discriminator returns a raw score ("logit"): D(x) = sigmoid(logit) for the cross-entropy
losses; least squares and Wasserstein use the score as it is (see :mod:`ganlab.losses`).
Every module is a tree (no shared submodules), so ``nnx.split`` / ``nnx.merge`` are cheap.
Bad widths or an unknown activation raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

__all__ = ["ACTIVATIONS", "MLP", "Generator", "Discriminator", "check_hidden", "activation_fn"]

ACTIVATIONS = {
    "relu": jax.nn.relu,
    "leaky_relu": lambda x: jax.nn.leaky_relu(x, negative_slope=0.2),
    "tanh": jnp.tanh,
    "elu": jax.nn.elu,
    "gelu": jax.nn.gelu,
    "silu": jax.nn.silu,
    "softplus": jax.nn.softplus,
    "sigmoid": jax.nn.sigmoid,
}
"""Hidden-layer activations by name (``leaky_relu`` has slope 0.2 below zero)."""


def activation_fn(name: str):
    """The activation function called ``name``; ``ValueError`` listing the allowed names."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def _positive_int(what: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def check_hidden(hidden, what: str = "hidden") -> tuple[int, ...]:
    """``hidden`` as a tuple of positive ints (an empty tuple means no hidden layer)."""
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise ValueError(
            f"{what} must be a sequence of positive integer layer widths such as (32, 32), "
            f"got {hidden!r}"
        )
    return tuple(_positive_int(f"every width in {what}", w) for w in hidden)


class MLP(nnx.Module):
    """Fully connected net: Linear → activation → … → Linear (no activation on the output).

    ``hidden`` lists the widths of the hidden layers; ``()`` gives a single affine map.
    Input ``(n, in_dim)``, output ``(n, out_dim)``.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        hidden: Sequence[int] = (32, 32),
        activation: str = "relu",
        *,
        rngs: nnx.Rngs,
    ):
        in_dim = _positive_int("in_dim", in_dim)
        out_dim = _positive_int("out_dim", out_dim)
        widths = (in_dim, *check_hidden(hidden), out_dim)
        activation_fn(activation)
        self.activation = activation
        self.layers = nnx.List(
            [nnx.Linear(a, b, rngs=rngs) for a, b in zip(widths[:-1], widths[1:])]
        )

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        *hidden_layers, last = self.layers
        for layer in hidden_layers:
            x = act(layer(x))
        return last(x)


class Generator(MLP):
    """G: noise ``(n, latent_dim)`` -> samples ``(n, data_dim)``."""

    def __init__(self, latent_dim: int = 1, data_dim: int = 1, hidden=(32, 32),
                 activation: str = "relu", *, rngs: nnx.Rngs):
        super().__init__(latent_dim, data_dim, hidden, activation, rngs=rngs)
        self.latent_dim = int(latent_dim)
        self.data_dim = int(data_dim)


class Discriminator(nnx.Module):
    """D: samples ``(n, data_dim)`` -> logits ``(n,)``; D(x) = sigmoid(logit)."""

    def __init__(self, data_dim: int = 1, hidden=(32, 32), activation: str = "relu", *,
                 rngs: nnx.Rngs):
        self.net = MLP(data_dim, 1, hidden, activation, rngs=rngs)
        self.data_dim = int(data_dim)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.net(x)[..., 0]
