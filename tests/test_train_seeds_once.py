"""checkpoints.train_seeds_once: several seeds trained together once, then loaded."""

import jax
import numpy as np

from ganlab import checkpoints
from ganlab import distributions as dist
from ganlab import training as tr

DATA = dist.Normal(2.0, 0.5)


def test_trains_all_seeds_once_then_loads_and_retrains_on_a_changed_setting(monkeypatch,
                                                                            tmp_path):
    monkeypatch.setenv("GANLAB_CACHE_DIR", str(tmp_path))
    calls = []

    def train(seeds):
        calls.append(list(seeds))
        runs = tr.train_gan(DATA, config, seeds=seeds, progress=False)
        return runs, [{"first_loss": run.history["d_loss"][:1]} for run in runs]

    config = tr.GANConfig(steps=10, batch_size=16, hidden=(4,), seed=0)
    runs, extras = checkpoints.train_seeds_once("pair", train, (3, 5), config=config)
    again, extras_again = checkpoints.train_seeds_once("pair", train, (3, 5), config=config)
    assert calls == [[3, 5]]
    assert [r.config.seed for r in again] == [3, 5] and [r.step for r in again] == [10, 10]
    key = jax.random.key(0)
    for a, b, ea, eb in zip(runs, again, extras, extras_again):
        np.testing.assert_array_equal(a.sample(4, key), b.sample(4, key))
        np.testing.assert_array_equal(ea["first_loss"], eb["first_loss"])
    assert not np.array_equal(again[0].sample(4, key), again[1].sample(4, key))

    config = config.replace(lr_generator=1e-2)  # another setting: trained again
    checkpoints.train_seeds_once("pair", train, (3, 5), config=config)
    checkpoints.train_seeds_once("pair", train, (3,), config=config)  # a subset: loaded
    assert calls == [[3, 5], [3, 5]]
    bare, nothing = checkpoints.train_seeds_once(
        "bare", lambda seeds: tr.train_gan(DATA, config, seeds=seeds, progress=False), (1,),
        config=config)
    assert nothing == [{}] and bare[0].step == 10
