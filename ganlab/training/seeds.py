"""Several GANs with different seeds trained in one compiled program: ``jax.vmap`` of the
chunk of :mod:`ganlab.training.step` over the runs' states and keys. Three seeds of a toy GAN
cost little more than one (the matmuls get wider, the per-step overhead is paid once).
"""

from __future__ import annotations

from collections.abc import Iterable

import jax
import jax.numpy as jnp
import numpy as np

from ganlab.loop import append_history, drive, first_nonfinite
from ganlab.training.config import HISTORY_KEYS, program_fields
from ganlab.training.run import GANRun, _average_from, _snapshot_steps
from ganlab.training.step import NO_AVERAGE, program
from ganlab.validate import integer, positive_int

__all__ = ["train_seeds", "check_seeds"]


def check_seeds(seeds) -> list[int]:
    seeds = [integer("every seed", s, low=0) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must list at least one seed, each once, got {seeds!r}")
    return seeds


def train_seeds(runs: list[GANRun], steps: int, *, snapshots: Iterable[int] = (),
                average_last: int = 0, progress: bool = True) -> list[GANRun]:
    """Take ``steps`` more steps of each run in ``runs`` in one compiled program (``jax.vmap``
    over their states and keys); returns ``runs``, trained.

    The runs must differ only in seed and learning rates and stand at the same step, on the
    same data. Each ends as :meth:`GANRun.train` with the same arguments would leave it, up to
    float rounding (a batched matmul may round differently). A NaN or infinite loss in any run
    raises :class:`TrainingDiverged` for the first such run, every run left at the last good
    chunk.
    """
    runs = list(runs)
    if not runs or not all(isinstance(r, GANRun) for r in runs):
        raise ValueError("runs must be a non-empty list of GANRun")
    first = runs[0]
    steps = positive_int("steps", steps)
    for r in runs:
        if r._source is None:
            raise ValueError("every run needs data to train on (load_run(path, data=...))")
        if (program_fields(r.config), r.step, r._source.fingerprint) != \
                (program_fields(first.config), first.step, first._source.fingerprint):
            raise ValueError("runs trained together must share data, step and every config "
                             "field but the seed and the learning rates")
    end = first.step + steps
    wanted = _snapshot_steps(snapshots, first.step, end)
    average_from = _average_from(average_last, steps, end)
    chunk = program(first.config, first._source, first._graphdef, seeds_at_once=True)
    keys = jnp.stack([r._train_key for r in runs])
    state = jax.tree.map(lambda *leaves: jnp.stack(leaves), *(r._state() for r in runs))
    if first.step in wanted:
        for r in runs:
            r._snapshot()

    def advance(step: int, n: int) -> bool:
        nonlocal state
        new, rows = chunk(state, first._source.arrays, keys, jnp.int32(step), jnp.int32(n),
                          jnp.int32(average_from))
        rows = np.asarray(rows)[:, :n]
        for i, r in enumerate(runs):
            if first_nonfinite(rows[i], (0, 1)) is not None:
                _unstack(runs, state)
                r._check_finite(rows[i])
        state = new
        for i, r in enumerate(runs):
            r.history = append_history(r.history, HISTORY_KEYS, rows[i])
            r.step = step + n
        if step + n in wanted:
            _unstack(runs, state)
            for r in runs:
                r._snapshot()
        return True

    drive(advance, first.step, end, first.config.chunk_size, stops=wanted,
          desc=f"training {len(runs)} GANs", progress=progress)
    _unstack(runs, state)
    if average_from != NO_AVERAGE:
        for r in runs:
            r.use_average()
    return runs


@jax.jit
def _slice(state, i):
    """The i-th run's state from the stacked ``state``: one compiled call, not one per array."""
    return jax.tree.map(lambda x: x[i], state)


def _unstack(runs: list[GANRun], state) -> None:
    """Give run i the i-th slice of the stacked ``state``."""
    for i, r in enumerate(runs):
        r._latest = _slice(state, i)
        r._flush()
