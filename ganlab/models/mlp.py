"""Fully connected Flax NNX networks for the toy GANs: an MLP, a generator and a discriminator.

Shapes (``n`` = batch size):

- ``MLP(in_dim, out_dim)``:                 ``(n, in_dim)`` -> ``(n, out_dim)``
- ``Generator(latent_dim, data_dim)``:      noise ``(n, latent_dim)`` -> samples ``(n, data_dim)``
- ``Discriminator(data_dim)``:              samples ``(n, data_dim)`` -> logits ``(n,)``

Both take the data's per-coordinate ``loc`` and ``scale`` (fixed, not trained): G's output is
``loc + scale · MLP(z)`` and D sees ``(x − loc) / scale``, so the same widths and learning rates
work whatever the data's units.

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

from ganlab.validate import positive_int as _positive_int
from ganlab.validate import widths

__all__ = [
    "ACTIVATIONS", "MLP", "Generator", "Discriminator", "DataScale", "check_hidden",
    "activation_fn",
]

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


# Weights ~ U(±√(3 / fan_in)): the variance of Flax's default (LeCun normal), a little cheaper
# to compile (no inverse error function); biases 0.
_LECUN_UNIFORM = nnx.initializers.lecun_uniform()


def activation_fn(name: str):
    """The activation function called ``name``; ``ValueError`` listing the allowed names."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def check_hidden(hidden, what: str = "hidden") -> tuple[int, ...]:
    """``hidden`` as a tuple of positive ints (an empty tuple means no hidden layer; one
    integer means one layer)."""
    return widths(what, hidden)


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
            [nnx.Linear(a, b, kernel_init=_LECUN_UNIFORM, rngs=rngs)
             for a, b in zip(widths[:-1], widths[1:])]
        )

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        *hidden_layers, last = self.layers
        for layer in hidden_layers:
            x = act(layer(x))
        return last(x)


class DataScale(nnx.Variable):
    """A fixed (untrained) per-coordinate location or scale of the data."""


def _data_scale(value, data_dim: int, default: float, what: str) -> DataScale:
    arr = np.full(data_dim, default) if value is None else np.asarray(value, np.float64)
    arr = np.broadcast_to(arr, (data_dim,)) if arr.ndim == 0 else arr.reshape(-1)
    if arr.shape != (data_dim,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be {data_dim} finite numbers, got {value!r}")
    if what == "scale" and np.any(arr <= 0):
        raise ValueError(f"scale must be > 0, got {value!r}")
    return DataScale(jnp.asarray(arr, jnp.float32))


class Generator(nnx.Module):
    """G: noise ``(n, latent_dim)`` -> samples ``(n, data_dim)`` = loc + scale · MLP(z).

    ``loc`` and ``scale`` (``(data_dim,)``, default 0 and 1) put the network's output, which
    starts near 0 with unit spread, where the data are; they are not trained.
    """

    def __init__(self, latent_dim: int = 1, data_dim: int = 1, hidden=(32, 32),
                 activation: str = "relu", *, loc=None, scale=None, rngs: nnx.Rngs):
        self.net = MLP(latent_dim, data_dim, hidden, activation, rngs=rngs)
        self.loc = _data_scale(loc, int(data_dim), 0.0, "loc")
        self.scale = _data_scale(scale, int(data_dim), 1.0, "scale")
        self.latent_dim = int(latent_dim)
        self.data_dim = int(data_dim)

    def __call__(self, z: jax.Array) -> jax.Array:
        return self.loc[...] + self.scale[...] * self.net(z)


class Discriminator(nnx.Module):
    """D: samples ``(n, data_dim)`` -> logits ``(n,)`` = MLP((x − loc) / scale).

    D(x) = sigmoid(logit) for the cross-entropy losses. Standardising the input with the
    data's ``loc`` and ``scale`` (``(data_dim,)``, not trained) keeps the ReLU kinks of a fresh
    network where the data are: a ReLU net whose units all switch at 0 is linear on data that
    lie far to one side, and a linear D cannot see a wrong spread.
    """

    def __init__(self, data_dim: int = 1, hidden=(32, 32), activation: str = "relu", *,
                 loc=None, scale=None, rngs: nnx.Rngs):
        self.net = MLP(data_dim, 1, hidden, activation, rngs=rngs)
        self.loc = _data_scale(loc, int(data_dim), 0.0, "loc")
        self.scale = _data_scale(scale, int(data_dim), 1.0, "scale")
        self.data_dim = int(data_dim)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.net((x - self.loc[...]) / self.scale[...])[..., 0]
