"""Exercises of notebook 02: variational auto-encoders and the limits of pixel losses.

Each expected answer is computed here with ganlab's own code when it is checked.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from ganlab.exercises import Exercise, register

__all__ = ["KL_CASE", "REPARAM_CASE", "SHIFT", "BLUR"]

# The settings each question refers to (the notebook prints the same ones).
KL_CASE = (1.0, 0.5)             # mean, standard deviation of q(z | x), one coordinate
REPARAM_CASE = (0.5, 2.0, -0.75)  # mean, standard deviation, eps
SHIFT, BLUR = 1, 1.0              # pixels of shift, width of the Gaussian blur


def _kl() -> float:
    from ganlab.autoencoding import gaussian_kl

    mean, std = KL_CASE
    return float(gaussian_kl(jnp.asarray([[mean]]), jnp.asarray([[2 * math.log(std)]]))[0])


def _reparameterised() -> float:
    from ganlab.models import reparameterize

    mean, std, eps = REPARAM_CASE
    return float(reparameterize(jnp.asarray(mean), jnp.asarray(2 * math.log(std)),
                                jnp.asarray(eps)))


def _larger_pixel_loss() -> str:
    from ganlab import datasets, pixels

    images, _ = datasets.load("digits", "test")
    shifted = pixels.pixel_loss(pixels.shift_images(images, SHIFT), images).mean()
    blurred = pixels.pixel_loss(pixels.blur_images(images, BLUR), images).mean()
    return "shifted" if shifted > blurred else "blurred"


register(Exercise(
    id="02.kl",
    question=(
        f"q(z | x) = N({KL_CASE[0]:g}, {KL_CASE[1]:g}²) in one dimension. What is "
        "KL(q ‖ N(0, 1)) in nats?"
    ),
    expected=_kl,
    hint="½ (μ² + σ² − 1 − log σ²), with the log of the variance, not of the deviation.",
))

register(Exercise(
    id="02.reparameterised",
    question=(
        f"μ = {REPARAM_CASE[0]:g}, σ = {REPARAM_CASE[1]:g} and the noise draw is "
        f"ε = {REPARAM_CASE[2]:g}. Which z does the reparameterisation trick give?"
    ),
    expected=_reparameterised,
    hint="z = μ + σ · ε: the randomness is all in ε.",
))

register(Exercise(
    id="02.shift_or_blur",
    question=(
        f"Digits shifted by {SHIFT} pixel or blurred with a Gaussian of width {BLUR:g} pixel: "
        'which has the larger mean squared pixel loss against the originals? Answer "shifted" '
        'or "blurred".'
    ),
    expected=_larger_pixel_loss,
    hint=("Moving a stroke sideways puts ink where the original had paper and paper where "
          "it had ink; smoothing only moves a little ink to the neighbours."),
    kind="choice",
))
