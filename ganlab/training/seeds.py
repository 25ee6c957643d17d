"""Several GANs with different seeds trained side by side.

On the CPU, :mod:`ganlab.devices` gives JAX several devices, and :func:`train_seeds` puts
each run (its state, key and a copy of the data) on a device of its own and starts each chunk
of steps on all of them before waiting for any: each device runs the single-run program
(:func:`ganlab.training.step.program`) on its run, and the devices share the cores. With more
runs than devices they go in groups; with one device (a GPU, or ``GANLAB_CPU_DEVICES=1``) the
chunks queue on it.

Each run's numbers are exactly those of training it alone: the program is compiled once, for
the first device, and the same executable is loaded on the others
(:func:`ganlab.devices.one_program_per_device`). Tried and left out: one program mapped over the runs with ``jax.vmap`` (three seeds of
the 1D toy or the digits DCGAN took 5-7× the time of one on two cores: XLA's CPU batched
matmuls are slow); one program partitioned over the devices with ``jax.shard_map`` (one
compilation, but XLA optimises a partitioned program differently, so the numbers differed from
a run alone in the last bit within 10 steps); all runs on one device (2.7-3.3× the time of
one: a device runs its programs one at a time). ``make bench BENCH=training`` prints the ratio.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ganlab import devices as _devices
from ganlab.loop import append_history, drive, first_nonfinite
from ganlab.training.config import HISTORY_KEYS, program_fields
from ganlab.training.run import GANRun, _average_from, _snapshot_steps
from ganlab.losses import switch_index
from ganlab.training.step import NO_AVERAGE, program
from ganlab.validate import positive_int

__all__ = ["train_seeds"]


def train_seeds(runs: list[GANRun], steps: int, *, snapshots: Iterable[int] = (),
                average_last: int = 0, progress: bool = True) -> list[GANRun]:
    """Take ``steps`` more steps of each run in ``runs``, side by side; returns ``runs``.

    The runs must differ only in seed and learning rates and stand at the same step, on the
    same data. Each ends exactly as :meth:`GANRun.train` with the same arguments would leave
    it. A NaN or infinite loss in any run raises :class:`TrainingDiverged` for the first such
    run (the runs of its group are left at their last good chunk).
    """
    runs = list(runs)
    if not runs or not all(isinstance(r, GANRun) for r in runs):
        raise ValueError("runs must be a non-empty list of GANRun")
    first = runs[0]
    steps = positive_int("steps", steps)
    for r in runs:
        if r._source is None:
            raise ValueError("every run needs data to train on (load_run(path, data=...))")
        if (program_fields(r.config), r.config.loss, r.step, r._source.fingerprint) != \
                (program_fields(first.config), first.config.loss, first.step,
                 first._source.fingerprint):
            raise ValueError("runs trained together must share data, step and every config "
                             "field but the seed and the learning rates")
    end = first.step + steps
    wanted = _snapshot_steps(snapshots, first.step, end)
    average_from = _average_from(average_last, steps, end)
    if first.step in wanted:
        for r in runs:
            r._snapshot()
    devices = _devices.seed_devices()
    if len(runs) == 1 or len(devices) == 1:
        _one_device(runs, end, wanted, average_from, progress)
    else:
        for group, on in _devices.groups(runs, devices):
            _spread(group, end, wanted, average_from, on, progress)
    if average_from != NO_AVERAGE:
        for r in runs:
            r.use_average()
    return runs


def _one_device(runs: list[GANRun], end: int, wanted: set, average_from: int,
                progress: bool) -> None:
    """Every chunk started for every run before any is waited for."""

    def advance(step: int, n: int) -> bool:
        pending = [r.start_steps(n, average_from=average_from) for r in runs]
        for r, p in zip(runs, pending):
            r.collect_steps(p)
            if r.step in wanted:
                r._snapshot()
        return True

    drive(advance, runs[0].step, end, runs[0].config.chunk_size, stops=wanted,
          desc=f"training {len(runs)} GANs", progress=progress)


def _spread(runs: list[GANRun], end: int, wanted: set, average_from: int, devices: list,
            progress: bool) -> None:
    """Run i on ``devices[i]``, all with the single-run program (see the module's docstring)."""
    first = runs[0]
    chunk = program(first.config, first._source, first._graphdef)
    placed = _devices.SideBySide([r._state() for r in runs], [r._train_key for r in runs],
                                 first._source.arrays, devices)

    def give_back(step: int) -> None:
        for r, state in zip(runs, placed.states_here()):
            r.restore(state, step=step, history=r.history)

    def advance(step: int, n: int) -> bool:
        i32 = np.int32
        states, rows = placed.start(chunk, i32(step), i32(n), i32(average_from),
                                    switch_index(first.config.loss))
        rows = [own[:n] for own in rows]
        for r, own in zip(runs, rows):
            if first_nonfinite(own, (0, 1)) is not None:
                give_back(step)  # every run back to its last good chunk
                r._check_finite(own)
        placed.accept(states)
        for r, own in zip(runs, rows):
            r.history = append_history(r.history, HISTORY_KEYS, own)
        if step + n in wanted:
            give_back(step + n)
            for r in runs:
                r._snapshot()
        return True

    drive(advance, first.step, end, first.config.chunk_size, stops=wanted,
          desc=f"training {len(runs)} GANs", progress=progress)
    give_back(end)
