"""The digits preset on seeds it was not tuned on: digit score, class shares, wall time.

``PRESETS["digits"].train(seed)`` for seeds 10, 11, 12; 1,000 samples
scored by :func:`ganlab.digit_score.digit_score` (mean classifier confidence; real held-out
digits score about 0.93, uniform noise about 0.46). Printed, never asserted.
"""

from __future__ import annotations

import time

import jax

from ganlab.digit_score import digit_score
from ganlab.presets import PRESETS
from ganlab.training import train_gan

SEEDS = (10, 11, 12)


def main():
    images = PRESETS["digits"].data()
    print(f"{'seed':>4}  {'score':>6}  {'classes':>7}  {'time':>7}  shares per class 0-9 (%)")
    for seed in SEEDS:
        start = time.perf_counter()
        run = train_gan(images, PRESETS["digits"].config.replace(seed=seed), progress=False)
        seconds = time.perf_counter() - start
        s = digit_score(run.sample(1000, jax.random.key(seed + 1000)))
        shares = " ".join(f"{100 * v:4.1f}" for v in s.shares)
        print(f"{seed:>4}  {s.score:6.3f}  {s.covered:>4}/10  {seconds:5.1f} s  {shares}",
              flush=True)


if __name__ == "__main__":
    main()
