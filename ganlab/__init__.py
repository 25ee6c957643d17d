"""ganlab: a small JAX / Flax NNX library behind the generative-models notebooks.

Submodules load on first use (``gl.training`` imports Flax, ``gl.divergences`` does not), so
``import ganlab`` stays fast. Importing ganlab turns on JAX's persistent compilation cache in a
per-user folder unless ``GANLAB_JAX_CACHE=0`` (see :mod:`ganlab.cache`), and asks JAX for
several CPU devices so that seeds can train side by side (see :mod:`ganlab.devices`).
"""

from __future__ import annotations

import importlib

from ganlab import cache as _cache
from ganlab import devices as _devices

__version__ = "0.1.0"

_SUBMODULES = (
    "autoencoding",
    "cache",
    "checkpoints",
    "datasets",
    "devices",
    "digit_score",
    "distributions",
    "divergences",
    "exercises",
    "loop",
    "losses",
    "metrics",
    "models",
    "pixels",
    "plots",
    "training",
    "widgets",
)

_cache.enable_compilation_cache()
_devices.spread_cpu_devices()


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"ganlab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ganlab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
