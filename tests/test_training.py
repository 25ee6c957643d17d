import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from ganlab import distributions as dist
from ganlab import metrics
from ganlab import training as tr
from ganlab import checkpoints
from ganlab.checkpoints import checkpoint_path, load_extras, load_run, save_run

DATA = dist.Normal(3.0, 0.8)
# A small configuration shared by most tests, so they share one compiled program.
SMALL = tr.GANConfig(steps=30, batch_size=64, hidden=(8, 8), chunk_size=10, seed=1)


def small(**changes) -> tr.GANConfig:
    return SMALL.replace(**changes)


# ---- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, allowed", [
    ("k", 0, ">= 1"), ("steps", 0, ">= 1"), ("batch_size", 0, ">= 1"), ("k", 1.5, "integer"),
    ("lr_generator", 0.0, "> 0"), ("lr_discriminator", -1e-3, "> 0"),
    ("lr_generator", math.nan, "> 0"), ("loss", "hinge", "non_saturating"),
    ("hidden", (32, 0), "positive integer"), ("hidden", "32", "sequence"),
    ("hidden_discriminator", (4, -2), "positive integer"), ("activation", "swishy", "relu"),
    ("noise", "cauchy", "gaussian"), ("beta1", 1.0, r"\[0, 1\)"), ("seed", -1, ">= 0"),
    ("chunk_size", 0, ">= 1"), ("latent_dim", 0, ">= 1"), ("gp_weight", 0, "> 0"),
])
def test_config_rejects_bad_values_saying_what_is_allowed(field, value, allowed):
    with pytest.raises(ValueError, match=allowed):
        tr.GANConfig(**{field: value})


def test_config_defaults_normalisation_and_json_round_trip():
    cfg = tr.GANConfig(hidden=[16, 16], hidden_discriminator=[32])
    assert cfg.hidden == (16, 16) and cfg.d_hidden == (32,)
    assert tr.GANConfig().d_hidden == tr.GANConfig().hidden == (32, 32)
    assert tr.GANConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown GANConfig fields"):
        tr.GANConfig.from_dict({"lr": 1.0})


# ---- the algorithm ------------------------------------------------------------------------


def test_k_discriminator_steps_per_generator_step():
    run = tr.train_gan(DATA, small(k=3, steps=20), progress=False)
    assert run.optimizer_steps == {"generator": 20, "discriminator": 60}
    assert {len(v) for v in run.history.values()} == {20}
    assert set(run.history) == set(tr.HISTORY_KEYS)


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = tr.train_gan(DATA, SMALL, progress=False)
    b = tr.train_gan(DATA, SMALL, progress=False)
    c = tr.train_gan(DATA, small(seed=2), progress=False)
    for name in tr.HISTORY_KEYS:
        np.testing.assert_array_equal(a.history[name], b.history[name])
    key = jax.random.key(5)
    np.testing.assert_array_equal(a.sample(100, key), b.sample(100, key))
    assert not np.array_equal(a.history["g_loss"], c.history["g_loss"])


def test_snapshots_and_chunk_boundaries_do_not_change_the_numbers():
    plain = tr.train_gan(DATA, SMALL, progress=False)
    cut = tr.train_gan(DATA, SMALL, snapshots=[0, 7, 13, 30], progress=False)
    np.testing.assert_array_equal(plain.history["d_loss"], cut.history["d_loss"])
    assert sorted(cut.snapshots) == [0, 7, 13, 30]
    key = jax.random.key(0)
    np.testing.assert_array_equal(cut.sample(50, key, step=30), cut.sample(50, key))
    assert not np.array_equal(cut.sample(50, key, step=0), cut.sample(50, key))
    assert cut.discriminate(np.linspace(0, 6, 9), step=7).shape == (9,)
    with pytest.raises(ValueError, match="no snapshot"):
        cut.sample(5, key, step=8)
    with pytest.raises(ValueError, match="snapshot step"):
        tr.train_gan(DATA, SMALL, snapshots=[31], progress=False)


def test_drawing_minibatches_inside_the_loop_gives_the_same_numbers(monkeypatch):
    ahead = tr.train_gan(DATA, SMALL, progress=False)
    from ganlab.training import step

    monkeypatch.setattr(step, "_PREDRAW_BYTES", 0)  # the path for big (image) minibatches
    monkeypatch.setattr(step, "_PROGRAMS", type(step._PROGRAMS)())
    inside = tr.train_gan(DATA, SMALL, progress=False)
    np.testing.assert_allclose(inside.history["g_loss"], ahead.history["g_loss"], rtol=1e-5)


def _algorithm1_step(gen, disc, opt_g, opt_d, batch, loss):
    """Algorithm 1's iteration written out plainly, as notebook 03 does; returns the losses."""
    def d_loss_fn(disc, real, fake):
        return -(jnp.mean(jax.nn.log_sigmoid(disc(real)))
                 + jnp.mean(jax.nn.log_sigmoid(-disc(fake))))

    d_losses = []
    for real, z in zip(batch.reals, batch.d_noise):
        value, grads = nnx.value_and_grad(d_loss_fn)(disc, real, gen(z))  # w.r.t. disc only
        opt_d.update(disc, grads)
        d_losses.append(float(value))

    def g_loss_fn(gen):
        logits = disc(gen(batch.g_noise))
        if loss == "minimax":
            return jnp.mean(jax.nn.log_sigmoid(-logits))
        return -jnp.mean(jax.nn.log_sigmoid(logits))

    value, grads = nnx.value_and_grad(g_loss_fn)(gen)
    opt_g.update(gen, grads)
    return float(np.mean(d_losses)), float(value)


@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
@pytest.mark.parametrize("k", [1, 3])
def test_a_hand_written_step_on_the_runs_minibatches_reproduces_train_1(loss, k):
    run = tr.GANRun(small(loss=loss, k=k), DATA).train(3, progress=False)
    mine = nnx.clone((run.generator, run.discriminator, run.optimizers["generator"],
                      run.optimizers["discriminator"]))
    batch = run.minibatches(run.step + 1)
    d_loss, g_loss = _algorithm1_step(*mine, batch, loss)
    run.train(1, progress=False)
    np.testing.assert_allclose(d_loss, run.history["d_loss"][-1], rtol=1e-5)
    np.testing.assert_allclose(g_loss, run.history["g_loss"][-1], rtol=1e-5)
    theirs = (run.generator, run.discriminator, run.optimizers["generator"],
              run.optimizers["discriminator"])
    for a, b in zip(jax.tree.leaves(nnx.state(mine)), jax.tree.leaves(nnx.state(theirs)),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert run.optimizer_steps == {"generator": 4, "discriminator": 4 * k}


def test_minibatches_shapes_and_determinism():
    cfg = small(k=3, latent_dim=2)
    run = tr.GANRun(cfg, DATA)
    batch = run.minibatches(5)
    assert isinstance(batch, tr.Minibatches)
    assert batch.reals.shape == (3, cfg.batch_size, 1)
    assert batch.d_noise.shape == (3, cfg.batch_size, 2)
    assert batch.g_noise.shape == (cfg.batch_size, 2)
    assert batch.penalty_keys.shape == (3,)
    run.train(7, progress=False)  # what step t draws does not depend on where the run is
    again = run.minibatches(5)
    for a, b in zip(batch[:3], again[:3]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(run.minibatches(6).reals, batch.reals)
    with pytest.raises(ValueError, match=">= 1"):
        run.minibatches(0)


def test_callback_runs_between_chunks_and_can_stop():
    seen = []
    tr.train_gan(DATA, small(steps=35), callback=lambda run: seen.append(run.step),
                 progress=False)
    assert seen == [10, 20, 30, 35]
    stopped = tr.train_gan(DATA, small(steps=35), callback=lambda run: False, progress=False)
    assert stopped.step == 10 and len(stopped.history["g_loss"]) == 10


def test_training_continues_where_it_stopped():
    whole = tr.train_gan(DATA, SMALL, progress=False)
    parts = tr.GANRun(SMALL, DATA).train(12, progress=False).train(18, progress=False)
    np.testing.assert_array_equal(whole.history["g_loss"], parts.history["g_loss"])


def test_second_run_of_a_configuration_compiles_nothing():
    from ganlab.training.data import make_source
    from ganlab.training.step import program

    tr.train_gan(DATA, SMALL, progress=False)
    chunk = program(SMALL, make_source(DATA), None)
    before = chunk._cache_size()
    run = tr.train_gan(DATA, small(seed=7, lr_generator=2e-3, beta1=0.0), progress=False)
    run.set_learning_rates(lr_discriminator=5e-4)
    run.train(5, progress=False)
    assert run.config.lr_discriminator == 5e-4
    assert program(SMALL, make_source(DATA), None) is chunk
    assert chunk._cache_size() == before == 1
    tr.train_gan(DATA, small(hidden=(4, 4)), progress=False)  # compiles a program of its own
    assert program(small(hidden=(4, 4)), make_source(DATA), None) is not chunk


def test_reset_optimizers_continues_as_a_fresh_optimiser_would():
    # A warm-up leaves Adam moments behind; after reset_optimizers the next steps are those of
    # networks with the same parameters and brand-new optimisers (same learning rates).
    run = tr.GANRun(SMALL, DATA)
    run.set_learning_rates(lr_generator=1e-12, lr_discriminator=3e-3)
    run.train(20, progress=False)
    run.set_learning_rates(lr_generator=SMALL.lr_generator, lr_discriminator=SMALL.lr_discriminator)
    twin = tr.GANRun(SMALL, DATA)
    twin.restore(run.export_state(), step=run.step, history=run.history)
    run.reset_optimizers()
    fresh = tr.GANRun(SMALL, DATA)  # brand-new optimisers; takes the warmed-up parameters
    for name in ("generator", "discriminator"):
        nnx.update(getattr(fresh, name), nnx.state(getattr(run, name)))
    fresh.step = run.step  # the same minibatches from here on
    assert run.optimizer_steps == {"generator": 20, "discriminator": 20}  # counts are kept
    lr = run.optimizers["discriminator"].opt_state.hyperparams["learning_rate"][...]
    assert float(lr) == pytest.approx(SMALL.lr_discriminator)
    for r in (run, fresh, twin):
        r.train(5, progress=False)
    np.testing.assert_allclose(run.history["g_loss"][-5:], fresh.history["g_loss"], rtol=1e-5)
    assert not np.allclose(twin.history["g_loss"][-5:], fresh.history["g_loss"], rtol=1e-5)


def test_diverging_training_stops_and_names_the_step():
    cfg = small(loss="least_squares", lr_generator=1e6, lr_discriminator=1e6)
    with pytest.raises(tr.TrainingDiverged, match=r"diverged at step \d+.*learning rates") as info:
        tr.train_gan(DATA, cfg, progress=False)
    err = info.value
    assert isinstance(err, RuntimeError) and 1 <= err.step <= cfg.steps
    assert len(err.history["g_loss"]) == err.step
    assert not np.isfinite(err.history["d_loss"][-1]) or not np.isfinite(err.history["g_loss"][-1])
    assert np.all(np.isfinite(err.history["g_loss"][:-1]))
    assert err.run.step < err.step  # the run stays at its last finite state


def test_minimax_divergence_suggests_the_non_saturating_loss():
    bad = np.full((64, 1), 3e38, np.float32)  # finite, but D overflows on it
    with pytest.raises(tr.TrainingDiverged, match="non_saturating"):
        tr.train_gan(bad, small(loss="minimax", standardize=False), progress=False)


@pytest.mark.parametrize("loss", ["minimax", "non_saturating", "least_squares",
                                  "wasserstein_gp"])
def test_every_loss_trains_and_reports_its_scores(loss):
    run = tr.train_gan(DATA, small(loss=loss), progress=False)
    assert all(np.all(np.isfinite(v)) for v in run.history.values())
    d = np.asarray(run.discriminate(np.linspace(0, 6, 7)))
    assert d.shape == (7,)
    if loss in ("minimax", "non_saturating"):
        assert np.all((d > 0) & (d < 1))
        assert np.all((run.history["d_real"] > 0) & (run.history["d_real"] < 1))
    if loss == "wasserstein_gp":  # raw critic values
        np.testing.assert_allclose(d, run.logits(np.linspace(0, 6, 7)), rtol=1e-6)


def test_losses_without_a_penalty_share_one_program_and_each_computes_its_own():
    from ganlab.losses import LOSSES, SWITCHABLE
    from ganlab.training.data import make_source
    from ganlab.training.step import program

    assert set(SWITCHABLE) == {"minimax", "non_saturating", "least_squares", "least_squares_chi2"}
    for loss in SWITCHABLE:
        run = tr.GANRun(small(loss=loss), DATA)
        batch = run.minibatches(1)
        real_logits = run.discriminator(batch.reals[0])
        fake_logits = run.discriminator(run.generator(batch.d_noise[0]))
        score = jax.nn.sigmoid if LOSSES[loss].probabilities else (lambda v: v)
        run.train(1, progress=False)
        np.testing.assert_allclose(run.history["d_loss"][0],
                                   LOSSES[loss].discriminator(real_logits, fake_logits), rtol=1e-5)
        np.testing.assert_allclose(run.history["d_real"][0], jnp.mean(score(real_logits)),
                                   rtol=1e-5)
        np.testing.assert_allclose(run.history["d_fake"][0], jnp.mean(score(fake_logits)),
                                   rtol=1e-5)
    chunks = {program(small(loss=loss), make_source(DATA), None) for loss in SWITCHABLE}
    assert len(chunks) == 1
    assert program(small(loss="wasserstein_gp"), make_source(DATA), None) not in chunks
    with pytest.raises(ValueError, match="share data"):  # one loss per group of seeds
        tr.train_seeds([tr.GANRun(SMALL, DATA), tr.GANRun(small(loss="minimax"), DATA)], 5)


def test_default_configuration_converges():
    run = tr.train_gan(DATA, tr.GANConfig(steps=3000), progress=False)
    samples = run.sample(20_000, jax.random.key(123))
    assert samples.shape == (20_000, 1)
    assert metrics.jsd_to(samples, DATA) <= 0.01
    # At the equilibrium D is 1/2 everywhere and its loss is 2 log 2.
    assert abs(float(np.mean(run.history["d_loss"][-200:])) - 2 * math.log(2)) < 0.05


# ---- data ---------------------------------------------------------------------------------


def test_array_data_trains():
    points = np.asarray(dist.Normal(-1.0, 0.5).sample(jax.random.key(0), 4000))
    cfg = small(steps=1500, chunk_size=500, batch_size=256)
    run = tr.train_gan(points, cfg, progress=False)
    x = np.asarray(run.sample(5000, jax.random.key(1)))[:, 0]
    assert abs(x.mean() + 1.0) < 0.15 and abs(x.std() - 0.5) < 0.15
    flat = tr.train_gan(points[:, 0], cfg.replace(steps=10), progress=False)  # (n,) is 1D
    assert flat.sample(3, jax.random.key(0)).shape == (3, 1)


def test_two_dimensional_mixture_data_samples_inside_the_compiled_loop():
    run = tr.train_gan(dist.ring(n_modes=4), small(steps=20), progress=False)
    assert run.sample(9, jax.random.key(0)).shape == (9, 2)
    assert run.discriminate(np.zeros((5, 2))).shape == (5,)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        run.discriminate(np.zeros((5, 3)))


@pytest.mark.parametrize("data, message", [
    (np.array([[0.0], [np.nan]]), "NaN"), (np.array([[np.inf, 1.0]]), "NaN or infinite"),
    (np.zeros((0, 1)), "empty"), (np.zeros((4, 2, 2)), r"shape \(n, d\)"),
    ("abc", "distribution or a numeric array"),
])
def test_bad_data_raises(data, message):
    with pytest.raises(ValueError, match=message):
        tr.train_gan(data, SMALL, progress=False)


# ---- checkpoints --------------------------------------------------------------------------


@pytest.fixture
def trained():
    return tr.train_gan(DATA, small(steps=20), progress=False)


def test_checkpoint_round_trip_and_resume(tmp_path, trained):
    path = save_run(trained, tmp_path / "run.npz")
    loaded = load_run(path, config=trained.config)
    key = jax.random.key(3)
    np.testing.assert_array_equal(loaded.sample(20, key), trained.sample(20, key))
    xs = np.linspace(0, 6, 11)
    np.testing.assert_array_equal(loaded.discriminate(xs), trained.discriminate(xs))
    assert loaded.step == 20 and loaded.config == trained.config
    np.testing.assert_array_equal(loaded.history["d_loss"], trained.history["d_loss"])
    with pytest.raises(ValueError, match="no data"):
        loaded.train(5, progress=False)
    with pytest.raises(ValueError, match="no data"):
        loaded.minibatches(1)
    resumed = load_run(path, data=DATA).train(10, progress=False)
    straight = tr.train_gan(DATA, small(steps=30), progress=False)
    np.testing.assert_array_equal(resumed.history["g_loss"], straight.history["g_loss"])


def test_bare_names_go_to_the_cache_folder(tmp_path, monkeypatch, trained):
    monkeypatch.setenv("GANLAB_CACHE_DIR", str(tmp_path))
    path = save_run(trained, "toy")
    assert path == tmp_path / "checkpoints" / "toy.npz" == checkpoint_path("toy")
    assert load_run("toy").step == trained.step
    with pytest.raises(FileNotFoundError):
        load_run("missing")


def test_atomic_write_leaves_no_temporary_files(tmp_path, monkeypatch, trained):
    path = save_run(trained, tmp_path / "run.npz")
    assert os.listdir(tmp_path) == ["run.npz"]
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        save_run(tr.train_gan(DATA, small(steps=10), progress=False), path)
    assert os.listdir(tmp_path) == ["run.npz"] and path.read_bytes() == before


def test_damaged_and_mismatched_checkpoints_raise(tmp_path, trained):
    path = save_run(trained, tmp_path / "run.npz")
    with pytest.raises(ValueError, match="different GAN.*hidden"):
        load_run(path, config=tr.GANConfig(hidden=(64, 64)))

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:500])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a checkpoint at all")
    for bad in (truncated, garbage):
        with pytest.raises(ValueError, match="not a readable ganlab checkpoint"):
            load_run(bad)

    with np.load(path) as npz:  # same config, other widths: arrays no longer fit
        files = dict(npz)
    config = tr.GANConfig.from_dict(__import__("json").loads(str(files["config"])))
    files["config"] = np.array(__import__("json").dumps(config.replace(hidden=(4, 4)).to_dict()))
    other = tmp_path / "other.npz"
    np.savez(other, **files)
    with pytest.raises(ValueError, match="does not match"):
        load_run(other)


def test_extras_are_saved_with_the_run(tmp_path, trained):
    trace = np.array([[10, 3, 0.5], [20, 4, 0.75]])
    path = save_run(trained, tmp_path / "run.npz", extras={"trace": trace, "flags": [True]})
    extras = load_extras(path)
    assert sorted(extras) == ["flags", "trace"]
    np.testing.assert_array_equal(extras["trace"], trace)
    assert load_extras(save_run(trained, tmp_path / "plain.npz")) == {}
    assert load_run(path).step == trained.step  # extras do not disturb loading
    for bad, message in (({"a/b": [1]}, "without '/'"), ({"s": ["text"]}, "must be numbers"),
                         ([1, 2], "dict")):
        with pytest.raises(ValueError, match=message):
            save_run(trained, tmp_path / "bad.npz", extras=bad)
    assert not (tmp_path / "bad.npz").exists()
    with pytest.raises(FileNotFoundError):
        load_extras(tmp_path / "missing.npz")


def test_train_once_trains_the_first_time_then_loads(tmp_path):
    calls = []

    def train(config):
        def go():
            calls.append(config)
            run = tr.train_gan(DATA, config, progress=False)
            return run, {"trace": np.arange(3.0) + len(calls)}
        return go

    path = tmp_path / "once.npz"
    config = small(steps=10)
    run, extras = checkpoints.train_once(path, train(config), config=config)
    again, extras_again = checkpoints.train_once(path, train(config), config=config)
    assert len(calls) == 1 and again.step == run.step == 10
    np.testing.assert_array_equal(extras_again["trace"], extras["trace"])
    key = jax.random.key(0)
    np.testing.assert_array_equal(again.sample(5, key), run.sample(5, key))

    wider = small(steps=10, hidden=(4, 4))  # another architecture: trained again, replaced
    other, _ = checkpoints.train_once(path, train(wider), config=wider)
    assert len(calls) == 2 and load_run(path).config.hidden == (4, 4)
    path.write_bytes(b"damaged")  # a damaged file: trained again
    bare, extras = checkpoints.train_once(path, lambda: tr.train_gan(DATA, config, progress=False),
                                          config=config)
    assert extras == {} and load_run(path, config=config).step == 10
    assert sorted(os.listdir(tmp_path)) == ["once.npz"]


def _leaves(module):
    return [np.asarray(a) for a in jax.tree.leaves(nnx.state(module))]


def test_started_steps_match_train_and_modules_stay_current():
    trained = tr.train_gan(DATA, small(steps=30), progress=False)
    run = tr.GANRun(small(), DATA)
    held = run.generator  # a reference taken before training sees every update
    first = run.start_steps(10)
    second = run.start_steps(20)  # started before the first were collected
    assert run.step == 30
    run.collect_steps(first)
    run.collect_steps(second)
    for name in tr.HISTORY_KEYS:
        np.testing.assert_array_equal(run.history[name], trained.history[name])
    for a, b in zip(_leaves(held), _leaves(trained.generator)):
        np.testing.assert_array_equal(a, b)
    assert run.generator is held
    pending = run.start_steps(5)  # not collected: the modules still show the newest state
    after = [np.asarray(a) for a in jax.tree.leaves(pending.after["generator"])]
    for a, b in zip(_leaves(run.generator), after):
        np.testing.assert_array_equal(a, b)
    run.collect_steps(pending)
    assert run.step == 35 and len(run.history["g_loss"]) == 35


def test_a_nan_in_started_steps_rolls_back_to_before_them():
    run = tr.GANRun(small(), DATA)
    run.collect_steps(run.start_steps(10))
    good = _leaves(run.discriminator)
    pending = run.start_steps(10)
    later = run.start_steps(10)  # dropped with the bad ones
    rows = np.asarray(pending.rows[0][0]).copy()
    rows[3, 0] = np.nan
    pending.rows[0] = (rows, pending.rows[0][1])
    with pytest.raises(tr.TrainingDiverged, match="step 14"):
        run.collect_steps(pending)
    assert run.step == 10 and len(run.history["d_loss"]) == 10 and later.start == 20
    for a, b in zip(_leaves(run.discriminator), good):
        np.testing.assert_array_equal(a, b)


# ---- several seeds in one program ---------------------------------------------------------


def test_seeds_at_once_give_each_seed_its_own_run():
    together = tr.train_gan(DATA, small(loss="wasserstein_gp", k=2), seeds=(3, 1, 4),
                            snapshots=[10], progress=False)
    assert [run.config.seed for run in together] == [3, 1, 4]
    key = jax.random.key(0)
    for run in together:
        alone = tr.train_gan(DATA, small(loss="wasserstein_gp", k=2, seed=run.config.seed),
                             snapshots=[10], progress=False)
        assert run.step == alone.step == 30
        assert sorted(run.snapshots) == sorted(alone.snapshots) == [10]
        for name in tr.HISTORY_KEYS:
            np.testing.assert_array_equal(run.history[name], alone.history[name])
        np.testing.assert_array_equal(run.sample(16, key), alone.sample(16, key))
        np.testing.assert_array_equal(run.sample(16, key, step=10), alone.sample(16, key, step=10))
        run.train(5, progress=False)  # each run trains on by itself
    assert not np.allclose(together[0].history["g_loss"], together[1].history["g_loss"][:35])


def test_seeds_at_once_refuse_bad_seeds_and_mixed_runs():
    for bad in ((), (1, 1), (-1,), (1.5,)):
        with pytest.raises(ValueError, match="seed"):
            tr.train_gan(DATA, SMALL, seeds=bad, progress=False)
    with pytest.raises(ValueError, match="share data"):
        tr.train_seeds([tr.GANRun(SMALL, DATA), tr.GANRun(small(hidden=(4,)), DATA)], 5)
    with pytest.raises(ValueError, match="callback"):
        tr.train_gan(DATA, SMALL, seeds=(1, 2), callback=lambda run: None)


def test_seeds_in_groups_of_the_devices_give_the_same_numbers(monkeypatch):
    from ganlab import devices

    cfg = small(steps=25, chunk_size=10)
    alone = [tr.train_gan(DATA, cfg.replace(seed=s), progress=False) for s in (0, 1, 2)]
    for count in (1, 2):  # one device: one after the other; two: groups of 2 and 1
        monkeypatch.setattr(devices, "seed_devices", lambda: jax.devices()[:count])
        together = tr.train_gan(DATA, cfg, seeds=(0, 1, 2), progress=False)
        for run, single in zip(together, alone):
            np.testing.assert_array_equal(run.history["g_loss"], single.history["g_loss"])
            for a, b in zip(_leaves(run.generator), _leaves(single.generator)):
                np.testing.assert_array_equal(a, b)


def test_seeds_at_once_stop_at_the_first_diverging_run():
    cfg = small(loss="least_squares", lr_generator=1e6, lr_discriminator=1e6, chunk_size=10)
    runs = [tr.GANRun(cfg.replace(seed=s), DATA) for s in (0, 1)]
    with pytest.raises(tr.TrainingDiverged, match=r"diverged at step \d+") as info:
        tr.train_seeds(runs, cfg.steps, progress=False)
    err = info.value
    assert err.run in runs and err.run.step < err.step
    assert len(err.history["d_loss"]) == err.step
    for run in runs:  # both left at the last chunk both finished
        assert run.step == err.run.step and len(run.history["d_loss"]) == run.step
        assert all(np.all(np.isfinite(v)) for v in run.history.values())
