"""Exercises of notebook 01: auto-encoders.

Each expected answer is computed here with ganlab's own code when it is checked.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ganlab import datasets
from ganlab.exercises import Exercise, register

__all__ = ["CODE_DIM", "INTERPOLATION", "PIXEL"]

# The settings each question refers to (the notebook prints the same ones).
CODE_DIM = 2
INTERPOLATION = ((1.0, -2.0), (3.0, 4.0), 0.25)     # z_a, z_b, t
PIXEL = (1.0, 0.8)                                   # pixel value x, decoded ink probability


def _compression_ratio() -> float:
    images, _ = datasets.load("digits", "test")
    return float(np.prod(images.shape[1:])) / CODE_DIM


def _interpolated_code() -> float:
    from ganlab.plots.latent import interpolate

    z_a, z_b, t = INTERPOLATION
    return float(interpolate(z_a, z_b, 5)[int(round(t * 4))][1])


def _pixel_loss() -> float:
    from ganlab.autoencoding import reconstruction_loss

    x, p = PIXEL
    logit = math.log(p / (1.0 - p))
    return float(reconstruction_loss(jnp.full((1, 1, 1, 1), logit), jnp.full((1, 1, 1, 1), x))[0])


register(Exercise(
    id="01.compression_ratio",
    question=(
        f"An auto-encoder squeezes each 8×8 digit into a code of {CODE_DIM} numbers. How many "
        "pixel values does one code number stand for (the compression ratio)?"
    ),
    expected=_compression_ratio,
    hint="Count the numbers that go into the encoder and the numbers that come out.",
))

register(Exercise(
    id="01.interpolation",
    question=(
        f"Codes z_a = {INTERPOLATION[0]} and z_b = {INTERPOLATION[1]}. The code z(t) lies a "
        f"fraction t = {INTERPOLATION[2]} of the way from z_a to z_b. What is its second "
        "coordinate z₂?"
    ),
    expected=_interpolated_code,
    hint="On a straight line: z(t) = (1 − t) · z_a + t · z_b, coordinate by coordinate.",
))

register(Exercise(
    id="01.pixel_loss",
    question=(
        f"A pixel has value x = {PIXEL[0]:g} and the decoder gives it ink probability "
        f"{PIXEL[1]:g}. What is its binary cross-entropy, in nats?"
    ),
    expected=_pixel_loss,
    hint="−[x log p + (1 − x) log(1 − p)]; with x = 1 only the first term is left.",
))
