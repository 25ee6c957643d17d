"""Auto-encoders and VAEs: models, losses, the compiled trainer and checkpoints."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ganlab import datasets
from ganlab.autoencoding import (
    AEConfig,
    AERun,
    gaussian_kl,
    reconstruction_loss,
    train_autoencoder,
    train_side_by_side,
    vae_loss,
)
from ganlab.checkpoints import load_run, save_run
from ganlab.models import VAE, AutoEncoder, reparameterize
from ganlab.training import TrainingDiverged


@pytest.fixture(scope="module")
def digits():
    train, _ = datasets.load("digits", "train")
    test, _ = datasets.load("digits", "test")
    return train, test


@pytest.fixture(scope="module")
def trained(digits):
    train, _ = digits
    cfg = dict(steps=2000, hidden=(128,), seed=0)
    return {kind: train_autoencoder(train, AEConfig(kind=kind, **cfg), progress=False)
            for kind in ("ae", "vae")}


@pytest.mark.parametrize("encoder", ["mlp", "conv"])
def test_model_shapes(encoder):
    x = jnp.zeros((5, 8, 8, 1))
    ae = AutoEncoder((8, 8, 1), 3, encoder, rngs=nnx.Rngs(0))
    assert ae.encode(x).shape == (5, 3)
    assert ae(x).shape == (5, 8, 8, 1)
    vae = VAE((8, 8, 1), 2, encoder, rngs=nnx.Rngs(0))
    mean, log_var = vae.encode(x)
    assert mean.shape == log_var.shape == (5, 2)
    assert vae(x, jnp.zeros((5, 2))).shape == (5, 8, 8, 1)


def test_bad_inputs_are_value_errors(digits):
    train, _ = digits
    with pytest.raises(ValueError, match="kind"):
        AEConfig(kind="gan")
    with pytest.raises(ValueError, match="encoder"):
        AEConfig(encoder="rnn")
    with pytest.raises(ValueError, match="latent_dim"):
        AEConfig(latent_dim=0)
    with pytest.raises(ValueError, match="lr"):
        AEConfig(lr=-1.0)
    with pytest.raises(ValueError, match="unknown AEConfig fields"):
        AEConfig.from_dict({"bogus": 1})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        AERun(AEConfig(), train * 255)
    with pytest.raises(ValueError, match="shape"):
        AERun(AEConfig(), np.zeros((4, 64)))
    with pytest.raises(ValueError, match="multiples of 1/1"):
        AERun(AEConfig(levels=1), train)              # grey digits, Bernoulli likelihood
    with pytest.raises(ValueError, match="levels"):
        AEConfig(levels=0)
    with pytest.raises(ValueError, match="divisible"):
        AERun(AEConfig(encoder="conv", channels=(8, 8, 8, 8)), train)
    run = AERun(AEConfig(kind="ae"), train)
    for method in (lambda: run.sample(3, jax.random.key(0)), lambda: run.elbo(train[:4])):
        with pytest.raises(ValueError, match="needs a VAE"):
            method()
    with pytest.raises(ValueError, match=r"z must have shape \(n, 2\)"):
        run.decode(np.zeros((3, 5)))


def test_same_seed_same_numbers(digits):
    train, _ = digits
    cfg = AEConfig(steps=120, chunk_size=50, hidden=(32,))
    a = train_autoencoder(train, cfg, progress=False)
    b = AERun(cfg, train)
    b.train(70, progress=False)
    b.train(50, progress=False)       # other chunk boundaries: same steps, same numbers
    for key in a.history:
        np.testing.assert_array_equal(a.history[key], b.history[key])
    np.testing.assert_array_equal(a.encode(train[:10]), b.encode(train[:10]))
    c = train_autoencoder(train, cfg.replace(seed=1), progress=False)
    assert not np.array_equal(a.history["loss"], c.history["loss"])


def test_outputs(trained, digits):
    _, test = digits
    ae, vae = trained["ae"], trained["vae"]
    assert ae.encode(test).shape == (len(test), 2)
    images = vae.sample(7, jax.random.key(1))
    assert images.shape == (7, 8, 8, 1)
    assert float(images.min()) >= 0.0 and float(images.max()) <= 1.0
    assert vae.reconstruct(test[:5]).shape == (5, 8, 8, 1)
    assert set(vae.history) == {"loss", "reconstruction", "kl"}
    assert len(vae.history["loss"]) == 2000
    np.testing.assert_allclose(vae.history["loss"],
                               vae.history["reconstruction"] + vae.history["kl"], rtol=1e-5)
    assert np.all(ae.history["kl"] == 0)


def test_reconstruction_beats_the_mean_image(trained, digits):
    train, test = digits
    mean_image_error = np.mean((train.mean(axis=0) - test) ** 2)
    for run in trained.values():
        error = np.mean((np.asarray(run.reconstruct(test)) - test) ** 2)
        assert error < 0.7 * mean_image_error


def test_vae_elbo_improves(trained, digits):
    train, test = digits
    fresh = AERun(AEConfig(hidden=(128,)), train)
    vae = trained["vae"]
    assert vae.elbo(test) > fresh.elbo(test) + 10.0
    loss = vae.history["loss"]
    assert loss[-200:].mean() < loss[:10].mean() - 15.0
    # A lower bound on log p(x) of a normalised likelihood of discrete pixels: below 0.
    assert vae.elbo(test) < 0.0


def test_importance_sampling_tightens_the_elbo(trained, digits):
    _, test = digits
    vae = trained["vae"]
    elbo = vae.elbo(test)
    one_draw = vae.log_likelihood(test, n_samples=1)       # the ELBO's own estimator
    many = vae.log_likelihood(test, n_samples=300)
    assert abs(one_draw - elbo) < 0.05 * abs(elbo)
    assert elbo < many < 0.0
    assert many > vae.log_likelihood(test, n_samples=10)
    with pytest.raises(ValueError, match="needs a VAE"):
        trained["ae"].log_likelihood(test)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2),
       st.lists(st.floats(-2.0, 1.0), min_size=2, max_size=2))
def test_kl_closed_form_matches_monte_carlo(mean, log_var):
    mean, log_var = jnp.asarray([mean]), jnp.asarray([log_var])
    closed = float(gaussian_kl(mean, log_var)[0])
    eps = jax.random.normal(jax.random.key(0), (200_000, 2))
    z = reparameterize(mean, log_var, eps)
    log_q = jnp.sum(-0.5 * eps**2 - 0.5 * log_var - 0.5 * math.log(2 * math.pi), axis=1)
    log_p = jnp.sum(-0.5 * z**2 - 0.5 * math.log(2 * math.pi), axis=1)
    mc = float(jnp.mean(log_q - log_p))
    assert closed >= -1e-6          # exactly 0 at q = p, up to float rounding
    assert abs(mc - closed) < 0.02 + 0.02 * closed


def test_losses_by_hand():
    logits = jnp.asarray([[[[0.0], [2.0]]]])          # (1, 1, 2, 1)
    x = jnp.asarray([[[[1.0], [0.0]]]])
    expected = math.log(2.0) + math.log(1.0 + math.exp(2.0))
    np.testing.assert_allclose(reconstruction_loss(logits, x, 1), [expected], rtol=1e-6)
    # Binomial pixels: k of 4 sub-pixels inked, each with probability sigmoid(logit).
    x4 = jnp.asarray([[[[0.75], [0.0]]]])
    p = 1.0 / (1.0 + np.exp(-np.asarray([0.0, 2.0])))
    expected = -stats.binom.logpmf([3, 0], 4, p).sum()
    np.testing.assert_allclose(reconstruction_loss(logits, x4, 4), [expected], rtol=1e-5)
    np.testing.assert_allclose(gaussian_kl(jnp.zeros((1, 3)), jnp.zeros((1, 3))), [0.0])
    np.testing.assert_allclose(gaussian_kl(jnp.asarray([[1.0]]), jnp.asarray([[0.0]])), [0.5])


@pytest.mark.parametrize("levels", [1, 4, 16, 255])
def test_the_likelihood_is_normalised_over_the_pixel_values(levels):
    # p(x_j | z) summed over every value x_j = k / levels a pixel can take is 1, for any logit.
    logits = jnp.asarray([-6.0, -1.3, 0.0, 0.4, 2.5, 7.0])
    values = jnp.arange(levels + 1) / levels
    x = jnp.broadcast_to(values[:, None], (levels + 1, len(logits))).reshape(-1, 1, 1, 1)
    l = jnp.broadcast_to(logits[None, :], (levels + 1, len(logits))).reshape(-1, 1, 1, 1)
    p = jnp.exp(-reconstruction_loss(l, x, levels)).reshape(levels + 1, len(logits))
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-4)
    # Grey values under a Bernoulli likelihood are no probabilities: they sum to more than 1.
    grey = jnp.arange(17.0).reshape(-1, 1, 1, 1) / 16
    assert float(jnp.exp(-reconstruction_loss(jnp.zeros_like(grey), grey, 1)).sum()) > 1.5


def test_reparameterisation_gradient():
    mean, log_var = jnp.asarray([[0.3]]), jnp.asarray([[-0.4]])
    eps = jnp.asarray([[1.5]])
    g_mean, g_log_var = jax.grad(lambda m, lv: jnp.sum(reparameterize(m, lv, eps)),
                                 argnums=(0, 1))(mean, log_var)
    np.testing.assert_allclose(g_mean, [[1.0]])
    np.testing.assert_allclose(g_log_var, 0.5 * np.exp(-0.2) * 1.5, rtol=1e-6)


def test_vae_loss_is_the_training_loss(digits):
    train, _ = digits
    run = AERun(AEConfig(hidden=(32,)), train)
    loss, (rec, kl) = vae_loss(run.model, jnp.asarray(train[:16]), jnp.zeros((16, 2)), 16)
    assert float(loss) == pytest.approx(float(rec + kl))
    assert float(kl) >= 0.0


def test_checkpoint_round_trip_resumes_exactly(digits, tmp_path):
    train, _ = digits
    cfg = AEConfig(kind="vae", steps=60, chunk_size=30, hidden=(32,))
    whole = train_autoencoder(train, cfg.replace(steps=100), progress=False)
    half = train_autoencoder(train, cfg, progress=False)
    path = save_run(half, tmp_path / "vae")
    loaded = load_run(path, config=cfg, data=train)
    assert loaded.step == 60 and isinstance(loaded, AERun)
    np.testing.assert_array_equal(loaded.history["loss"], half.history["loss"])
    loaded.train(40, progress=False)
    np.testing.assert_array_equal(loaded.history["loss"], whole.history["loss"])
    np.testing.assert_array_equal(loaded.encode(train[:5]), whole.encode(train[:5]))
    with pytest.raises(ValueError, match="different auto-encoder"):
        load_run(path, config=cfg.replace(latent_dim=3))
    with pytest.raises(ValueError, match="different auto-encoder"):
        load_run(path, config=cfg.replace(levels=1))       # another likelihood
    with pytest.raises(ValueError, match="no images to train"):
        load_run(path).train(1, progress=False)


def test_divergence_is_reported(digits):
    train, _ = digits
    with pytest.raises(TrainingDiverged, match="diverged at step"):
        train_autoencoder(train, AEConfig(kind="ae", lr=1e9, steps=200, hidden=(32,)),
                          progress=False)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_seeds_side_by_side_give_each_seed_its_own_numbers(digits, monkeypatch, count):
    from ganlab import devices

    monkeypatch.setattr(devices, "seed_devices", lambda: jax.devices()[:count])
    train, _ = digits
    cfg = AEConfig(kind="vae", steps=60, chunk_size=25, hidden=(32,))
    together = train_autoencoder(train, cfg, seeds=(2, 0, 1), progress=False)
    assert [r.config.seed for r in together] == [2, 0, 1]
    for run in together:
        alone = train_autoencoder(train, cfg.replace(seed=run.config.seed), progress=False)
        assert run.step == alone.step == 60
        for key in alone.history:
            np.testing.assert_array_equal(run.history[key], alone.history[key])
        np.testing.assert_array_equal(run.encode(train[:10]), alone.encode(train[:10]))
    run.train(5, progress=False)  # and each trains on by itself


def test_seeds_side_by_side_refuse_mixed_runs_and_stop_on_divergence(digits):
    train, _ = digits
    cfg = AEConfig(kind="ae", steps=100, chunk_size=20, hidden=(32,))
    for bad in ((), (1, 1), (-1,)):
        with pytest.raises(ValueError, match="seed"):
            train_autoencoder(train, cfg, seeds=bad, progress=False)
    with pytest.raises(ValueError, match="share"):
        train_side_by_side([AERun(cfg, train), AERun(cfg.replace(lr=1e-2), train)], 5)
    with pytest.raises(ValueError, match="share"):
        train_side_by_side([AERun(cfg, train), AERun(cfg, train[:100])], 5)
    runs = [AERun(cfg.replace(lr=1e9, seed=s), train) for s in (0, 1)]
    with pytest.raises(TrainingDiverged, match="diverged at step") as info:
        train_side_by_side(runs, 100, progress=False)
    for run in runs:  # every run at the last chunk all finished
        assert run.step == info.value.run.step < info.value.step
        assert np.all(np.isfinite(run.history["loss"]))
