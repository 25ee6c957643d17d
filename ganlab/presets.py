"""Ready-made GAN settings, each one object that shows its settings and trains itself.

- :data:`PRESETS`: ``{name: Recipe}`` for the 2D toys ("ring", "grid") and the 8×8 digits
  ("digits"). A :class:`Recipe` holds its data factory, its :class:`GANConfig` (the main
  phase), an optional low-learning-rate finishing phase, and a paragraph saying why the
  settings work. ``PRESETS["ring"].train(seed)`` runs the whole recipe and returns the
  :class:`GANRun` (``seeds=(...)``: several at once); ``PRESETS["ring"].coverage(run)`` scores
  it with :func:`ganlab.metrics.mode_coverage` on 2,500 samples at 3σ.
- :data:`BASELINE`: a plain GAN that collapses on the same 2D data, for "collapse, then fix".

Training ``PRESETS[name].config`` alone with :func:`~ganlab.training.train_gan` runs only the
main phase: the modes are found, but fewer samples land within 3σ of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import numpy as np

from ganlab import distributions as dist
from ganlab import metrics
from ganlab.training import GANConfig, GANRun, train_seeds
from ganlab.validate import integer, positive_float

__all__ = ["Recipe", "PRESETS", "BASELINE", "COVERAGE_SAMPLES", "DIGITS_WHY", "digits_data"]

COVERAGE_SAMPLES = 2500
"""Samples scored by :meth:`Recipe.coverage` (the number the mode-coverage papers use)."""


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How to train a GAN on one data set: one object that shows its settings and trains.

    ``data()`` builds the data (for the 2D toys a ganlab mixture with ``.modes`` and
    ``.scale``; for digits the images); ``config`` is the main phase (``config.steps`` steps at
    its learning rates); then ``finish_steps`` more steps at both learning rates divided by
    ``finish_lr_divisor`` (0 steps: no finishing phase), the discriminator's then multiplied by
    ``finish_discriminator_factor`` (a two time-scale update rule: with a factor above 1, D
    keeps up with a slowly moving G). With ``average_steps`` > 0 the generator ends with the
    mean of its weights after each of the last ``average_steps`` finishing steps (Polyak
    averaging, inside the compiled loop): the clusters jitter around the modes from step to
    step, and the averaged generator sits nearer their centres. ``why`` explains the choices
    in a paragraph a notebook can print.
    """

    data: Callable[[], dist.Mixture]
    config: GANConfig
    finish_steps: int = 0
    finish_lr_divisor: float = 10.0
    why: str = ""
    average_steps: int = 0
    finish_discriminator_factor: float = 1.0

    def __post_init__(self):
        for name in ("finish_lr_divisor", "finish_discriminator_factor"):
            object.__setattr__(self, name, positive_float(name, getattr(self, name)))
        object.__setattr__(self, "finish_steps", integer("finish_steps", self.finish_steps,
                                                         low=0))
        object.__setattr__(self, "average_steps", integer(
            "average_steps", self.average_steps, low=0, high=self.finish_steps,
            note="(at most finish_steps)"))

    @property
    def total_steps(self) -> int:
        return self.config.steps + self.finish_steps

    def train(self, seed: int | None = None, *, seeds=None, progress: bool = False,
              callback=None) -> GANRun | list[GANRun]:
        """Train on ``data()`` with ``seed`` (default: the config's); returns the GANRun.

        ``seeds``: train one run per seed, side by side, and return the list
        (:func:`ganlab.training.train_seeds`). ``callback(run)`` is called between compiled
        chunks, as in :meth:`GANRun.train` (one seed only).
        """
        if seeds is not None and (seed is not None or callback is not None):
            raise ValueError("give seed or seeds, not both; callback is for one seed only")
        data = self.data()
        chosen = [self.config.seed if seed is None else seed] if seeds is None else list(seeds)
        runs = [GANRun(self.config.replace(seed=s), data) for s in chosen]
        main = dict(snapshots=(), progress=progress)
        if seeds is None:
            runs[0].train(self.config.steps, callback=callback, **main)
        else:
            train_seeds(runs, self.config.steps, **main)
        if self.finish_steps:
            c = self.config
            for run in runs:
                run.set_learning_rates(c.lr_generator / self.finish_lr_divisor,
                                       c.lr_discriminator / self.finish_lr_divisor
                                       * self.finish_discriminator_factor)
            if seeds is None:
                runs[0].train(self.finish_steps, callback=callback,
                              average_last=self.average_steps, **main)
            else:
                train_seeds(runs, self.finish_steps, average_last=self.average_steps, **main)
        return runs if seeds is not None else runs[0]

    def coverage(self, run: GANRun, key: jax.Array | None = None) -> tuple[int, float]:
        """(modes captured, high-quality fraction) of ``COVERAGE_SAMPLES`` samples of ``run``."""
        data = self.data()
        key = jax.random.key(run.config.seed + 1000) if key is None else key
        samples = np.asarray(run.sample(COVERAGE_SAMPLES, key))
        return metrics.mode_coverage(samples, data.modes, data.scale)


RING_WHY = (
    "Eight modes of width 0.01 on the unit circle. A generator is a continuous map: fed one "
    "connected cloud of noise, it makes one connected cloud of samples, so between eight "
    "separate modes it must leave samples on bridges, and a plain GAN drops modes. So this "
    "recipe gives G a dial whose positions can each settle on one mode: its noise is a code "
    "drawn uniformly from 16 values (fed as a one-hot vector) plus one uniform number for the "
    "spread within a cluster (GANConfig(noise=\"mixture\", n_components=16, latent_dim=1)); "
    "two positions per mode leave slack. A light R1 penalty (r1_weight=0.3: 0.3 times half "
    "the mean squared slope of D's logit at the real points) keeps D from building steep "
    "walls around each mode, so its slopes stay gentle and lead clusters towards modes "
    "nobody covers yet. Two layers of 64 ReLU units, batches of 128 and 24,000 steps of Adam "
    "at 2e-3 (β₁ = 0.5), then 24,000 at a tenth of the learning rate with the discriminator "
    "three times faster than the generator (a two time-scale update rule), and the "
    "generator's weights averaged over the last 12,000 finishing steps (Polyak averaging). "
    "With r1_weight=1 instead, one seed of a 20-seed check (215) left D at chance "
    "everywhere (its loss at 2 log 2 from the first 3,000 steps on) and G on 2 modes; with "
    "0.3, on tuning seeds 0-11 and 215, all 8 modes on every seed and on average 98.1 % of "
    "the samples within 3σ of a mode (worst seed 96.6 %). An older recipe (two uniform noise "
    "numbers, 128 units, 6,000 + 2,000 steps) found all 8 modes on only 3 of 5 seeds.")

GRID_WHY = (
    "Twenty-five modes of width 0.05 at {−4, −2, 0, 2, 4}². A generator is a continuous "
    "map: fed one connected cloud of noise, it makes one connected cloud of samples, so "
    "between 25 separate islands it must leave samples on bridges, and when the "
    "discriminator pulls part of the cloud towards one mode it drags whole sheets of samples "
    "along, away from others. So this recipe gives G a dial whose positions can each settle "
    "on one island: its noise is a code drawn uniformly from 50 values (fed as a one-hot "
    "vector) plus one uniform number for the spread within a cluster "
    "(GANConfig(noise=\"mixture\", n_components=50, latent_dim=1)). Two positions per "
    "island leave slack: an island does not have to wait for the one code that would fit "
    "it (with exactly 25 codes, fewer samples ended within 3σ). Second, a light R1 penalty "
    "(r1_weight=0.3: 0.3 times half the mean squared slope of D's logit at the real points) "
    "keeps D from building ever steeper walls around each mode, so its slopes stay wide "
    "enough to lead clusters towards modes nobody covers yet, yet steep enough near each "
    "island to pull in a cluster stuck beside it. Third, many small steps: each code still "
    "traces a curve that can pass through two or more neighbouring islands, and the samples "
    "on the jumps between them miss every mode; more, smaller steps sharpen those jumps. G "
    "has two layers of 128 ReLU units (D two of 64): a wider G bends each code's curve more "
    "sharply. Trained with batches of 128, 24,000 steps of Adam at 2e-3 (β₁ = 0.5), then "
    "24,000 at a tenth of the learning rate, it takes about 40 s on two cores. Fourth, in that "
    "finishing phase the discriminator learns three times faster than the generator (a two "
    "time-scale update rule): D keeps up with the slowly moving G, so its slopes at the "
    "samples on the bridges point at the nearest modes and pull them in. Last, the clusters "
    "jitter around the modes from step to step (without averaging, 70 % of one tuning run's "
    "samples were within 3σ), so the generator ends with its weights averaged over the last "
    "12,000 finishing steps (Polyak averaging). Tuned on seeds 0-11: with 64 units in G and "
    "r1_weight=1, 91.5 % of the samples on average ended within 3σ and 2 seeds lost modes; "
    "128 units gave 94.4 % and all 25 modes on every seed; r1_weight=0.3 on top, 95.7 % "
    "(worst seed 94.3 %). What was left out: D five times faster in the finishing phase "
    "(92.9 %), a third layer of 64 units in G (91.1 %), averaging over all 24,000 finishing "
    "steps (89.3 %). In the runs that fell short, a few codes' clusters sat between two "
    "islands. "
    "Without the code (two uniform noise numbers) a budget like this found only 16-22 "
    "modes; packing (PacGAN, pack=2 or 4) kept about as many modes but put far fewer "
    "samples within 3σ.")


def _two_codes_per_mode(data: Callable[[], dist.Mixture], why: str,
                        generator: tuple[int, ...] = (64, 64)) -> Recipe:
    """The recipe both 2D toys share (see ``RING_WHY``, ``GRID_WHY``): two noise codes per
    mode of ``data()``, R1 = 0.3, ReLU units (``generator``'s widths in G, 2×64 in D), 24,000 +
    24,000 steps, 12,000 averaged."""
    return Recipe(
        data=data,
        config=GANConfig(loss="non_saturating", k=1, steps=24_000, batch_size=128,
                         lr_generator=2e-3, lr_discriminator=2e-3, latent_dim=1,
                         hidden=generator, hidden_discriminator=(64, 64), activation="relu",
                         noise="mixture",
                         n_components=2 * len(data().modes), r1_weight=0.3, beta1=0.5,
                         beta2=0.999, seed=0),
        finish_steps=24_000, finish_lr_divisor=10.0, finish_discriminator_factor=3.0,
        average_steps=12_000, why=why)


PRESETS: dict[str, Recipe] = {
    "ring": _two_codes_per_mode(dist.ring, RING_WHY),
    "grid": _two_codes_per_mode(dist.grid, GRID_WHY, generator=(128, 128)),
}
"""The tuned recipes (ring tuned on seeds 0-11 and 215, grid on 0-11);
``benchmarks/bench_presets.py`` scores them on 20 seeds never used in tuning (220-239 by
default). Both train 24,000 + 24,000 steps and use mixture noise with two codes per mode, an R1
penalty of 0.3, a faster discriminator while finishing and an averaged generator; the grid's
generator is wider (see ``RING_WHY``, ``GRID_WHY``)."""


_PLAIN = GANConfig(loss="non_saturating", k=1, steps=5000, batch_size=128,
                   lr_generator=2e-3, lr_discriminator=2e-3, latent_dim=16,
                   hidden=(128, 128), activation="relu", noise="gaussian", beta1=0.5,
                   beta2=0.999, seed=0)

BASELINE: dict[str, Recipe] = {
    name: Recipe(data=factory, config=_PLAIN, why=(
        "A plain GAN: the non-saturating loss with k = 1, 16 Gaussian noise numbers, two "
        "hidden layers of 128 ReLU units in both networks, Adam at 2e-3 (β₁ = 0.5) for both, "
        "batches of 128 and 5,000 steps; no noise code, no penalty, no packing, no finishing "
        "phase and no averaging. On the ring its samples start out on one mode and hop from "
        "mode to mode before they spread (notebook 05 shows it on three seeds)."))
    for name, factory in (("ring", dist.ring), ("grid", dist.grid))
}
"""The "before" of the collapse-then-fix story: the same data, plain settings."""


# ---------------------------------------------------------------------------------------------
# Images: a DCGAN on the bundled 8×8 digits.


def digits_data() -> np.ndarray:
    """The images the digits preset trains on: ``datasets.load("digits", "train")``'s,
    ``(1500, 8, 8, 1)`` in [0, 1]."""
    from ganlab import datasets

    return datasets.load("digits", "train")[0]


DIGITS_WHY = (
    "A small DCGAN for 8×8 digits. The generator turns 16 Gaussian noise numbers into a 2×2 "
    "map of 32 channels, then twice doubles the size (nearest neighbour) and convolves (3×3), "
    "to 16 channels and then to the single grey channel, squashed into [0, 1]. The "
    "discriminator mirrors it: two stride-2 convolutions (16 then 32 channels, leaky ReLU) and "
    "one linear score. At 8×8 two levels are all there is, and no normalisation is needed. "
    "Adam at 1e-3 for both networks with β₁ = 0.5 and batches of 64: small nets learn fast, "
    "and 2,500 steps give recognisable digits of every class within the time budget (2e-3 "
    "gives slightly crisper digits but on some seeds lets a class fade below 3 % of samples).")

PRESETS["digits"] = Recipe(
    data=digits_data,
    config=GANConfig(loss="non_saturating", k=1, steps=2500, batch_size=64,
                     lr_generator=1e-3, lr_discriminator=1e-3, latent_dim=16,
                     channels=(32, 16), activation="relu", noise="gaussian", beta1=0.5,
                     beta2=0.999, seed=0),
    why=DIGITS_WHY)
"""``PRESETS["digits"].train(seed)``: see :data:`DIGITS_WHY`; ``benchmarks/bench_digits.py``
scores seeds 10-12 with :func:`ganlab.digit_score.digit_score`."""
