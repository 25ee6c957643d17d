"""Exercises of notebook 01: auto-encoders.

Each expected answer is computed here with ganlab's own code when it is checked; the code
exercise runs the student's function on inputs drawn here, never shown in the notebook.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ganlab import datasets
from ganlab.exercises import Exercise, register

__all__ = ["NATS", "INTERPOLATION"]

# The settings each question refers to (the notebook prints the same ones).
NATS = 22.18                                         # −log p(x) of one 8×8 image, in nats
INTERPOLATION = ((1.0, -2.0), (3.0, 4.0), 0.25)     # z_a, z_b, t


def _bits_per_pixel() -> float:
    images, _ = datasets.load("digits", "test")
    return NATS / math.log(2.0) / float(np.prod(images.shape[1:]))


def _interpolated_code() -> float:
    from ganlab.plots.latent import interpolate

    z_a, z_b, t = INTERPOLATION
    return float(interpolate(z_a, z_b, 5)[int(round(t * 4))][1])


def _loss_cases() -> list[tuple]:
    """(logits, x) pairs: black-and-white images of three shapes, logits in about ±6."""
    rng = np.random.default_rng(20240101)
    cases = []
    for shape in ((4, 8, 8, 1), (2, 3, 5, 1), (1, 2, 2, 1)):
        logits = np.clip(rng.normal(0.0, 2.5, shape), -6, 6).astype(np.float32)
        x = (rng.random(shape) < 0.4).astype(np.float32)
        cases.append((logits, x))
    return cases


def _library_loss(logits, x) -> np.ndarray:
    from ganlab.autoencoding import reconstruction_loss

    return np.asarray(reconstruction_loss(jnp.asarray(logits), jnp.asarray(x), 1))


register(Exercise(
    id="01.bits_per_pixel",
    question=(
        f"A model gives one black-and-white 8×8 digit the probability p(x) with −log p(x) = "
        f"{NATS:g} nats. How many bits per pixel is that?"
    ),
    expected=_bits_per_pixel,
    hint="1 bit = log 2 nats: divide by log 2 (natural log), then share it among the pixels.",
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
    id="01.reconstruction_loss",
    question=(
        "Write reconstruction_loss(logits, x): logits and black-and-white images x, both "
        "(n, h, w, 1); return −log p(x | z) under independent Bernoulli pixels with ink "
        "probability σ(logit), in nats, one number per image: shape (n,)."
    ),
    expected=_library_loss,
    hint=("Per pixel −[x log σ(l) + (1 − x) log(1 − σ(l))] with σ(l) = 1 / (1 + e^(−l)); "
          "sum it over the pixels of each image (not the mean), so the result has shape (n,)."),
    kind="code",
    cases=_loss_cases,
))
