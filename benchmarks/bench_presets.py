"""Mode coverage of the 2D presets and of a plain baseline, on seeds no preset was tuned on.

For each recipe in ``ganlab.presets.PRESETS`` ("ring": 8 Gaussians, σ 0.01; "grid": 25, σ
0.05) and ``ganlab.presets.BASELINE``: per seed, modes captured and the share of 2,500 samples
within 3σ of their nearest mode (:meth:`Recipe.coverage`); then the mean, the worst seed and how
many seeds captured every mode; the wall time of all seeds side by side, and of one seed
trained alone (the budget: one run under a minute on two cores). The ring recipe was tuned on
seeds 0-11 and 215, the grid recipe on seeds 0-11; the default seeds 220-239 were never
used in tuning (nor in choosing between recipes). Records to beat (PacGAN paper, means over 10
trials): ring 7.9/8 modes at 95.6 %, grid 24.8/25 at 93.6 %. Printed, never asserted.

Environment (all optional): ``GANLAB_BENCH_SEEDS`` ("220-239" or "3,5,8"),
``GANLAB_BENCH_PRESETS`` ("ring,grid"), ``GANLAB_BENCH_BASELINE`` ("0" skips the baseline, which
is slow: batch 512, 10,000 steps, 128 units).
"""

from __future__ import annotations

import os
import time

import numpy as np

from ganlab.presets import BASELINE, PRESETS

RECORDS = {"ring": (7.9, 95.6), "grid": (24.8, 93.6)}


def _seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(v) for v in text.split("-"))
        return list(range(first, last + 1))
    return [int(v) for v in text.split(",")]


def _rows(label: str, recipes: dict, seeds: list[int]):
    for name, recipe in recipes.items():
        n_modes = len(recipe.data().modes)
        start = time.perf_counter()
        runs = recipe.train(seeds=seeds)  # side by side: the same numbers as one by one
        together = time.perf_counter() - start
        start = time.perf_counter()
        recipe.train(seed=seeds[0])
        alone = time.perf_counter() - start
        scores = [recipe.coverage(run) for run in runs]
        for seed, (captured, fraction) in zip(seeds, scores):
            print(f"{label:<9} {name:<5} {seed:>4}  {captured:>2}/{n_modes:<2}  "
                  f"{100 * fraction:6.1f} %", flush=True)
        modes = np.array([c for c, _ in scores])
        hq = 100 * np.array([f for _, f in scores])
        record = RECORDS.get(name)
        print(f"{label:<9} {name:<5} over {len(seeds)} seeds: modes mean {modes.mean():.2f}, "
              f"worst {modes.min()}; all {n_modes} on {int((modes == n_modes).sum())}/"
              f"{len(seeds)}; within 3σ mean {hq.mean():.1f} %, worst {hq.min():.1f} %; "
              f"{together:.0f} s for all side by side, {alone:.1f} s for one alone"
              + (f" (PacGAN: {record[0]}/{n_modes} at {record[1]} %)"
                 if record and label == "preset" else ""),
              flush=True)


def main():
    seeds = _seeds(os.environ.get("GANLAB_BENCH_SEEDS", "220-239"))
    names = os.environ.get("GANLAB_BENCH_PRESETS", "ring,grid").split(",")
    print(f"{'':<9} {'data':<5} {'seed':>4}  {'modes':<5}  {'HQ':>8}")
    _rows("preset", {n: PRESETS[n] for n in names}, seeds)
    if os.environ.get("GANLAB_BENCH_BASELINE", "1") != "0":
        _rows("baseline", {n: BASELINE[n] for n in names if n in BASELINE}, seeds[:3])


if __name__ == "__main__":
    main()
