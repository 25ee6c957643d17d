"""Exercises of notebook 02: variational auto-encoders and the limits of pixel losses.

Each expected answer is computed here with ganlab's own code when it is checked; the code
exercises run the student's function on inputs drawn here, never shown in the notebook.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ganlab.exercises import Exercise, register

__all__ = ["SHIFT_DOWN", "BLUR"]

# The settings the shift-or-blur question refers to.
SHIFT_DOWN, BLUR = 1, 3.0         # pixels of downward shift, width of the Gaussian blur


def _gaussian_cases() -> list[tuple]:
    """(mean, log_var, eps) triples of shapes (5, 2), (3, 1) and (2, 4)."""
    rng = np.random.default_rng(20240202)
    out = []
    for shape in ((5, 2), (3, 1), (2, 4)):
        out.append((rng.normal(0.0, 1.2, shape).astype(np.float32),
                    rng.uniform(-2.5, 1.0, shape).astype(np.float32),
                    rng.normal(0.0, 1.0, shape).astype(np.float32)))
    return out


def _kl(mean, log_var) -> np.ndarray:
    from ganlab.autoencoding import gaussian_kl

    return np.asarray(gaussian_kl(jnp.asarray(mean), jnp.asarray(log_var)))


def _reparameterised(mean, log_var, eps) -> np.ndarray:
    from ganlab.models import reparameterize

    return np.asarray(reparameterize(jnp.asarray(mean), jnp.asarray(log_var), jnp.asarray(eps)))


def _larger_pixel_loss() -> str:
    from ganlab import datasets, pixels

    images = pixels.binarise(datasets.load("digits", "test")[0])
    shifted = pixels.pixel_loss(pixels.shift_images(images, 0, SHIFT_DOWN), images).mean()
    blurred = pixels.pixel_loss(pixels.blur_images(images, BLUR), images).mean()
    return "shifted" if shifted > blurred else "blurred"


register(Exercise(
    id="02.kl",
    question=(
        "Write gaussian_kl(mean, log_var): both (n, d), the mean and log σ² of "
        "q(z | x) = N(mean, diag σ²) for n images; return KL(q ‖ N(0, I)) in nats, one number "
        "per image: shape (n,)."
    ),
    expected=_kl,
    hint=("Per coordinate ½ (μ² + σ² − 1 − log σ²) with σ² = exp(log_var); sum over the d "
          "coordinates of each row."),
    kind="code",
    cases=lambda: [case[:2] for case in _gaussian_cases()],
))

register(Exercise(
    id="02.reparameterised",
    question=(
        "Write reparameterize(mean, log_var, eps): all three (n, d); return the draw z of "
        "N(mean, diag σ²) that the noise eps ~ N(0, I) gives, as a differentiable function of "
        "mean and log_var."
    ),
    expected=_reparameterised,
    hint="z = μ + σ · ε, and σ is the square root of the variance: exp(½ log σ²).",
    kind="code",
    cases=_gaussian_cases,
))

register(Exercise(
    id="02.shift_or_blur",
    question=(
        f"The notebook's black-and-white test digits, shifted down by {SHIFT_DOWN} pixel, or "
        f"blurred with a Gaussian {BLUR:g} pixels wide: which has the larger mean squared pixel "
        'loss against the originals? Answer "shifted" or "blurred".'
    ),
    expected=_larger_pixel_loss,
    hint=("Think of how much of an 8×8 digit is left after a blur that wide, then measure "
          "both with gl.pixels.shift_images, blur_images and pixel_loss."),
    kind="choice",
))
