"""The entry point: :func:`train_gan`. Algorithm 1 itself is
:func:`ganlab.training.step.algorithm1_step`; the run it returns is a
:class:`~ganlab.training.run.GANRun`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ganlab.training.config import GANConfig
from ganlab.training.run import GANRun
from ganlab.training.seeds import train_seeds
from ganlab.validate import seed_list

__all__ = ["train_gan"]


def train_gan(data, config: GANConfig | None = None, *, snapshots: Iterable[int] = (),
              callback: Callable[[GANRun], bool | None] | None = None,
              progress: bool = True, labels=None, seeds: Iterable[int] | None = None
              ) -> GANRun | list[GANRun]:
    """Train a GAN on ``data`` for ``config.steps`` steps of Algorithm 1; returns a GANRun.

    ``data``: a ganlab distribution (minibatches sampled on the device), an array
    ``(n, d)`` / ``(n,)``, or images ``(n, h, w, c)`` in [0, 1] (minibatches drawn uniformly
    with replacement; images get convolutional networks). ``labels``: integers ``(n,)`` in
    [0, config.n_classes), the class of each image, for a conditional GAN. ``snapshots``: steps
    (0 … steps) at which to store the parameters. ``callback(run)`` is called after each
    chunk (``run.step`` steps done); returning ``False`` stops training early. ``progress``
    shows a tqdm bar. A NaN or infinite loss raises :class:`TrainingDiverged`. The same
    config (seed included) gives the same numbers. Algorithm 1 itself, as the library runs
    it: :func:`ganlab.training.step.algorithm1_step`.

    ``seeds``: train one GAN per seed (``config.seed`` is then ignored), side by side
    (:func:`ganlab.training.seeds.train_seeds`), and return the list of runs; each run's
    numbers are exactly those of ``train_gan`` with ``config.replace(seed=s)``.
    """
    config = GANConfig() if config is None else config
    if not isinstance(config, GANConfig):
        raise ValueError(f"config must be a GANConfig, got {type(config).__name__}; a preset "
                         "of ganlab.presets trains itself: PRESETS[name].train(seed)")
    if seeds is not None:
        if callback is not None:
            raise ValueError("callback is for one run; train seeds one by one to use it")
        runs = [GANRun(config.replace(seed=s), data, labels=labels) for s in seed_list(seeds)]
        return train_seeds(runs, config.steps, snapshots=snapshots, progress=progress)
    run = GANRun(config, data, labels=labels)
    return run.train(config.steps, snapshots=snapshots, callback=callback, progress=progress)
