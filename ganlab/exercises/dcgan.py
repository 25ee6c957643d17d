"""Exercises of notebook 06: a DCGAN on digits (convolution arithmetic, network size).

Each expected answer is computed here with ganlab's own networks when it is checked.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from ganlab.exercises import Exercise, register
from ganlab.models import ConvEncoder, ImageGenerator

__all__ = ["MNIST_SHAPE", "GENERATOR"]

MNIST_SHAPE = (28, 28, 1)
GENERATOR = {"latent_dim": 16, "image_shape": (8, 8, 1), "channels": (32, 16)}
"""The generator of the parameter-count question (the digits preset's)."""


def _feature_map_side() -> int:
    enc = ConvEncoder(MNIST_SHAPE, 1, channels=(8, 8), rngs=nnx.Rngs(0))
    x = jnp.zeros((1, *MNIST_SHAPE))
    for conv in enc.convs:
        x = jax.eval_shape(conv, x)
    return int(x.shape[1])


def _generator_parameters() -> int:
    g = ImageGenerator(GENERATOR["latent_dim"], GENERATOR["image_shape"],
                       GENERATOR["channels"], rngs=nnx.Rngs(0))
    return int(sum(p.size for p in jax.tree.leaves(nnx.state(g, nnx.Param))))


register(Exercise(
    id="06.feature_map",
    question=(
        "A 28×28 MNIST image goes through two 3×3 convolutions with stride 2 and 'SAME' padding. "
        "What is the height of the last feature map?"
    ),
    expected=_feature_map_side,
    hint=("With 'SAME' padding a stride-s convolution outputs ceil(input / s) pixels per side; "
          "apply it twice."),
    kind="number",
))

register(Exercise(
    id="06.generator_parameters",
    question=(
        "How many trainable numbers does the digits generator have? Noise of 16 numbers → a "
        "linear layer to a 2×2 map of 32 channels → ×2 upsample and a 3×3 convolution to 16 "
        "channels → ×2 upsample and a 3×3 convolution to 1 channel. Every layer has biases."
    ),
    expected=_generator_parameters,
    hint=("A linear layer from a to b numbers has a·b weights and b biases; a 3×3 convolution "
          "from c_in to c_out channels has 3·3·c_in·c_out weights and c_out biases. Add the "
          "three layers."),
    kind="number",
    rtol=0.0,
    atol=0.5,
))
