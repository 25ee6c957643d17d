"""Exercises of notebook 06: a DCGAN on digits (convolution arithmetic, network size, and a
sharpness score written by the student).

Each expected answer is computed here with ganlab's own networks and pixel tools when it is
checked.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab import datasets, pixels
from ganlab.exercises import Exercise, register
from ganlab.models import ConvEncoder, ImageGenerator

__all__ = ["MNIST_SHAPE", "GENERATOR"]

MNIST_SHAPE = (28, 28, 1)
GENERATOR = {"latent_dim": 16, "image_shape": (8, 8, 1), "channels": (64, 32)}
"""The generator of the parameter-count question: the digits preset's, with twice the channels."""


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


def _sharpness_cases() -> list[tuple]:
    """Real digits, blurred ones, random pixels and a blank image, each ``(n, 8, 8, 1)``."""
    real = datasets.load("digits", "test")[0][:40]
    rng = np.random.default_rng(3)
    return [(real,), (pixels.blur_images(real, 1.0),),
            (rng.uniform(size=(5, 8, 8, 1)).astype(np.float32),),
            (np.zeros((2, 8, 8, 1), np.float32),)]


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
        "How many trainable numbers does the digits generator have with 64 and 32 channels "
        "instead of 32 and 16? Noise of 16 numbers → a linear layer to a 2×2 map of 64 "
        "channels → ×2 upsample and a 3×3 convolution to 32 channels → ×2 upsample and a 3×3 "
        "convolution to 1 channel. Every layer has biases."
    ),
    expected=_generator_parameters,
    hint=("A linear layer from a to b numbers has a·b weights and b biases; a 3×3 convolution "
          "from c_in to c_out channels has 3·3·c_in·c_out weights and c_out biases. Add the "
          "three layers."),
    kind="number",
    rtol=0.0,
    atol=0.5,
))

register(Exercise(
    id="06.sharpness",
    question=(
        "Write sharpness(images): for images (n, h, w, 1) in [0, 1], the mean absolute "
        "difference between vertically neighbouring pixels plus the mean absolute difference "
        "between horizontally neighbouring pixels, one number per image, shape (n,)."
    ),
    expected=lambda images: pixels.sharpness(images),
    hint=("np.diff(images, axis=1) holds the differences between each pixel and the one below "
          "it (axis=2: the one to its right). Take np.abs, then the mean over the axes "
          "(1, 2, 3) of each, and add the two."),
    kind="code",
    cases=_sharpness_cases,
))
