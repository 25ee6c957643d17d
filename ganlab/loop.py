"""The model-agnostic pieces of every compiled training loop in ganlab.

A trainer (the GAN engine in :mod:`ganlab.training`, the auto-encoders in
:mod:`ganlab.autoencoding`) compiles a *chunk* function that runs many steps on the device and
returns one row of numbers per step. What happens between chunks is the same for all of them and
lives here:

- :func:`drive`: cut ``start … end`` into chunks (stopping early at requested steps), move a
  ``tqdm.auto`` progress bar, call the trainer's ``advance(step, n)`` for each chunk and stop
  when it returns ``False``;
- :func:`first_nonfinite` and :func:`append_history`: the NaN check and the growing history of
  a chunk's rows ``(n, len(keys))``;
- :func:`lru`: the small cache of compiled programs; :data:`COMPILER_OPTIONS`;
  :func:`jit_build`: build networks and optimisers in one compiled program;
- :class:`Config`: ``replace`` / ``to_dict`` / ``from_dict`` for frozen dataclass configs;
- :class:`TrainingDiverged`: what every trainer raises when a loss stops being finite.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Iterable, Sequence

import jax
import numpy as np
from flax import nnx

from ganlab.validate import positive_float, positive_int  # noqa: F401 (trainers import them here)

__all__ = ["COMPILER_OPTIONS", "Config", "TrainingDiverged", "lru", "drive", "first_nonfinite",
           "append_history", "jit_build"]

# LLVM -O2 instead of XLA's default -O3: about half the compile time of a chunk on CPU, and no
# slower for these small networks.
COMPILER_OPTIONS = {"xla_backend_optimization_level": 2}


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite. ``step`` is the first bad step (1-based); ``history``
    holds every step up to and including it; ``run`` is the run, left at its last good state."""

    def __init__(self, message: str, step: int, history: dict, run):
        super().__init__(message)
        self.step = step
        self.history = history
        self.run = run


class Config:
    """Mixin for frozen dataclass configurations that validate in ``__post_init__``."""

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (tuples as lists)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values: dict):
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} fields {unknown}; allowed: {sorted(names)}")
        return cls(**values)


def lru(cache: collections.OrderedDict, key, make: Callable, size: int = 32):
    """``cache[key]``, built by ``make()`` when missing; keeps the ``size`` most recent."""
    if key in cache:
        cache.move_to_end(key)
    else:
        cache[key] = make()
        while len(cache) > size:
            cache.popitem(last=False)
    return cache[key]


def first_nonfinite(rows: np.ndarray, columns: Sequence[int]) -> tuple[int, int] | None:
    """``(row, column)`` of the first NaN or infinite entry of ``rows[:, columns]``, or None."""
    bad = ~np.isfinite(rows[:, list(columns)])
    if not bad.any():
        return None
    i = int(np.argmax(bad.any(axis=1)))
    return i, int(columns[int(np.argmax(bad[i]))])


def append_history(history: dict, keys: Sequence[str], rows: np.ndarray) -> dict:
    """A new history dict: ``history[key]`` followed by column j of ``rows`` ``(n, len(keys))``."""
    return {name: np.concatenate([history[name], np.asarray(rows[:, j], np.float32)])
            for j, name in enumerate(keys)}


def drive(advance: Callable[[int, int], bool], start: int, end: int, chunk_size: int, *,
          stops: Iterable[int] = (), desc: str = "training", progress: bool = True) -> int:
    """Run steps ``start+1 … end`` in chunks of at most ``chunk_size``; returns the last step.

    ``advance(step, n)`` runs steps ``step+1 … step+n`` and returns False to stop early. A
    chunk also ends at every step in ``stops`` (e.g. where a snapshot is wanted). ``progress``
    shows a ``tqdm.auto`` bar with ``desc``; it is closed even when ``advance`` raises.
    """
    from tqdm.auto import tqdm

    stops = sorted(set(stops))
    step = start
    bar = tqdm(total=end - start, disable=not progress, desc=desc, unit="step", leave=False)
    try:
        while step < end:
            stop = min([end, step + chunk_size] + [s for s in stops if s > step])
            keep_going = advance(step, stop - step)
            bar.update(stop - step)
            step = stop
            if keep_going is False:
                break
    finally:
        bar.close()
    return step


def jit_build(build: Callable) -> Callable:
    """``build(*args)`` -> NNX object, as one compiled program: returns ``f(*args)`` ->
    ``(state, graphdef)``, ready for ``nnx.merge``. One program instead of dozens of small eager
    ones (each parameter's initialiser, each optimiser slot) makes a cold start fast."""
    graphdefs = []

    def init(*args):
        graphdef, state = nnx.split(build(*args))
        graphdefs.append(graphdef)
        return state

    jitted = jax.jit(init, compiler_options=COMPILER_OPTIONS)
    return lambda *args: (jitted(*args), graphdefs[0])
