"""Several GANs with different seeds trained side by side: each chunk of steps is started for
every run before any is waited for, so the runs' compiled programs (one program, shared) queue
up together and the host pays its per-chunk work once per chunk, not once per run.

Each run's numbers are exactly those of training it alone. (Mapping one program over the runs
with ``jax.vmap`` was tried: on two CPU cores three seeds of the 1D toy and of the digits DCGAN
took 5-7× the time of one, since XLA's CPU batched matmuls are slow; started side by side they
took 2.8× on the same loaded machine.)
"""

from __future__ import annotations

from collections.abc import Iterable

from ganlab.loop import drive
from ganlab.training.config import program_fields
from ganlab.training.run import GANRun, _average_from, _snapshot_steps
from ganlab.training.step import NO_AVERAGE
from ganlab.validate import integer, positive_int

__all__ = ["train_seeds", "check_seeds"]


def check_seeds(seeds) -> list[int]:
    """``seeds`` as a list of distinct integers >= 0 (at least one)."""
    seeds = [integer("every seed", s, low=0) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must list at least one seed, each once, got {seeds!r}")
    return seeds


def train_seeds(runs: list[GANRun], steps: int, *, snapshots: Iterable[int] = (),
                average_last: int = 0, progress: bool = True) -> list[GANRun]:
    """Take ``steps`` more steps of each run in ``runs``, side by side; returns ``runs``.

    The runs must differ only in seed and learning rates and stand at the same step, on the
    same data. Each ends exactly as :meth:`GANRun.train` with the same arguments would leave
    it. A NaN or infinite loss in any run raises :class:`TrainingDiverged` for the first such
    run (that run is left at its last good chunk).
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
    if first.step in wanted:
        for r in runs:
            r._snapshot()

    def advance(step: int, n: int) -> bool:
        pending = [r.start_steps(n, average_from=average_from) for r in runs]
        for r, p in zip(runs, pending):
            r.collect_steps(p)
            if r.step in wanted:
                r._snapshot()
        return True

    drive(advance, first.step, end, first.config.chunk_size, stops=wanted,
          desc=f"training {len(runs)} GANs", progress=progress)
    if average_from != NO_AVERAGE:
        for r in runs:
            r.use_average()
    return runs
