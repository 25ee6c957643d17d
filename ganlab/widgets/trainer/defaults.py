"""The live trainer's data by name and its default networks."""

from __future__ import annotations

import numpy as np

from ganlab import distributions as dist
from ganlab.training import GANConfig

__all__ = ["DATA_PRESETS", "TRAINER_CONFIG"]


def _two_gaussians():
    return dist.Mixture([dist.IsotropicNormal([-1.5, -0.5], 0.3),
                         dist.IsotropicNormal([1.5, 0.5], 0.3)])


def _line():
    t = np.linspace(-1.0, 1.0, 41)
    return dist.blobs(np.column_stack([1.5 * t, 0.75 * t]), 0.04)


def _spiral():
    t = np.linspace(0.25, 1.0, 60) ** 0.5 * 3.0 * np.pi
    return dist.blobs(np.column_stack([t * np.cos(t), t * np.sin(t)]) / 3.0, 0.06)


DATA_PRESETS = {
    "normal": lambda: dist.Normal(2.0, 0.6),
    "two modes": lambda: dist.Mixture([dist.Normal(-2.0, 0.5), dist.Normal(2.0, 0.5)],
                                      weights=[0.3, 0.7]),
    "three modes": lambda: dist.Mixture([dist.Normal(-3.0, 0.4), dist.Normal(0.0, 0.4),
                                         dist.Normal(3.0, 0.4)]),
    "ring": dist.ring,
    "grid": dist.grid,
    "two gaussians": _two_gaussians,
    "line": _line,
    "spiral": _spiral,
}
"""Data by name: 1D ``normal``, ``two modes``, ``three modes``; 2D ``ring`` (8 modes, σ 0.01),
``grid`` (25 modes, σ 0.05), ``two gaussians``, ``line`` and ``spiral`` (mixtures of small
Gaussians along a segment and a spiral)."""

TRAINER_CONFIG = GANConfig(loss="non_saturating", k=1, batch_size=128, lr_generator=1e-3,
                           lr_discriminator=1e-3, latent_dim=2, hidden=(32, 32),
                           noise="uniform", beta1=0.5, chunk_size=50)
"""The trainer's default: small enough for thousands of steps a second on a laptop CPU.
1D data get ``latent_dim=1`` and Gaussian noise unless a config is given. Chunks of 50 steps:
playing trains a whole number of chunks per frame (a partial chunk wastes the minibatches drawn
for it), and 50 steps are fine steps for matching a frame's time."""


def default_config(dim: int) -> GANConfig:
    """:data:`TRAINER_CONFIG` for 2D data; for 1D data one Gaussian noise coordinate."""
    if dim == 1:
        return TRAINER_CONFIG.replace(latent_dim=1, noise="gaussian")
    return TRAINER_CONFIG
