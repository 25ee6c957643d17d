"""Image GANs: conv generator and discriminator, conditional variants, training on images,
sampling, checkpoints, and the digit score that judges the samples."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from ganlab import datasets, digit_score
from ganlab import training as tr
from ganlab.checkpoints import load_run, save_run
from ganlab.losses import gradient_penalty
from ganlab.models import ImageDiscriminator, ImageGenerator

IMAGES, LABELS = datasets.load("digits", "train")
# Small nets and few steps, shared by the tests so that they share compiled programs.
SMALL = tr.GANConfig(steps=6, batch_size=16, latent_dim=4, channels=(8, 4), chunk_size=3,
                     seed=3)


@pytest.mark.parametrize("n_classes", [0, 10])
@pytest.mark.parametrize("norm", ["none", "layer"])
def test_model_shapes_and_pixel_range(n_classes, norm):
    g = ImageGenerator(4, (8, 8, 1), (8, 4), norm=norm, n_classes=n_classes, rngs=nnx.Rngs(0))
    d = ImageDiscriminator((8, 8, 1), (4, 8), norm=norm, n_classes=n_classes, rngs=nnx.Rngs(1))
    z = 3.0 * jax.random.normal(jax.random.key(0), (5, 4 + n_classes))
    x = g(z)
    assert x.shape == (5, 8, 8, 1 + n_classes)
    assert float(x[..., :1].min()) >= 0.0 and float(x[..., :1].max()) <= 1.0
    assert d(x).shape == (5,)


def test_model_validation():
    with pytest.raises(ValueError, match="n_classes"):
        ImageGenerator(4, (8, 8, 1), n_classes=-1, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="divisible by 4"):
        ImageDiscriminator((6, 6, 1), (4, 8), rngs=nnx.Rngs(0))


def test_gradient_penalty_on_images_is_per_image():
    """The penalty of a critic that is linear in the pixels: (‖w‖ − 1)² whatever the batch."""
    w = jax.random.normal(jax.random.key(0), (8, 8, 1))

    def critic(x):
        return jnp.sum(x * w, axis=(1, 2, 3))

    real, fake = jnp.ones((7, 8, 8, 1)), jnp.zeros((7, 8, 8, 1))
    value = gradient_penalty(critic, real, fake, jax.random.key(1), weight=1.0)
    assert np.isclose(float(value), (float(jnp.linalg.norm(w)) - 1.0) ** 2, rtol=1e-5)


@pytest.mark.parametrize("field, value, allowed", [
    ("channels", (), "at least one"), ("channels", (8, 0), "positive integer"),
    ("norm", "batch", "layer"), ("n_classes", -2, ">= 0"), ("n_classes", 1.5, "integer"),
])
def test_config_rejects_bad_image_fields(field, value, allowed):
    with pytest.raises(ValueError, match=allowed):
        tr.GANConfig(**{field: value})


def test_image_run_shapes_and_same_seed_same_numbers():
    a = tr.train_gan(IMAGES, SMALL, progress=False, snapshots=[0, 6])
    b = tr.train_gan(IMAGES, SMALL, progress=False)
    assert np.array_equal(a.history["d_loss"], b.history["d_loss"])
    key = jax.random.key(0)
    x = a.sample(5, key)
    assert x.shape == (5, 8, 8, 1)
    assert np.array_equal(np.asarray(x), np.asarray(b.sample(5, key)))
    assert not np.array_equal(np.asarray(x), np.asarray(a.sample(5, key, step=0)))
    assert a.discriminate(x).shape == (5,)
    assert a.minibatches(1).reals.shape == (1, 16, 8, 8, 1)
    z = jnp.zeros((2, 4))
    assert a.generate(z).shape == (2, 8, 8, 1)
    c = tr.train_gan(IMAGES, SMALL.replace(seed=4), progress=False)
    assert not np.array_equal(a.history["d_loss"], c.history["d_loss"])


def test_conditional_run_respects_labels():
    cfg = SMALL.replace(n_classes=10, loss="wasserstein_gp")
    run = tr.train_gan(IMAGES, cfg, labels=LABELS, progress=False)
    key = jax.random.key(0)
    x = run.sample(4, key, labels=[0, 1, 2, 3])
    assert x.shape == (4, 8, 8, 1)
    assert run.sample(3, key, labels=7).shape == (3, 8, 8, 1)
    assert run.sample(3, key).shape == (3, 8, 8, 1)  # random labels
    # same noise, other label: another image
    assert not np.allclose(np.asarray(run.sample(4, key, labels=[5] * 4)), np.asarray(x))
    assert run.logits(x, labels=[0, 1, 2, 3]).shape == (4,)
    mb = run.minibatches(1)
    assert mb.reals.shape == (1, 16, 8, 8, 11) and mb.g_noise.shape == (16, 14)
    planes = np.asarray(mb.reals[0, :, 0, 0, 1:])
    assert np.array_equal(planes.sum(1), np.ones(16))  # one-hot label planes
    with pytest.raises(ValueError, match="labels="):
        run.sample(2, key, labels=[10, 0])
    with pytest.raises(ValueError, match="labels="):
        run.generate(jnp.zeros((2, 4)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(data=IMAGES * 2.0), r"\[0, 1\]"),
    (dict(data=IMAGES, labels=LABELS), "n_classes is 0"),
    (dict(data=IMAGES, config=SMALL.replace(n_classes=10)), "labels="),
    (dict(data=IMAGES, config=SMALL.replace(n_classes=10), labels=LABELS[:5]), "labels="),
    (dict(data=IMAGES, config=SMALL.replace(pack=2)), "pack"),
    (dict(data=IMAGES[:, :6, :6]), "divisible"),
    (dict(data=np.zeros((10, 2)), labels=np.zeros(10, int)), "image data"),
])
def test_bad_image_inputs_raise(kwargs, message):
    kwargs = {"config": SMALL, **kwargs}
    with pytest.raises(ValueError, match=message):
        tr.GANRun(kwargs.pop("config"), **kwargs)


def test_image_queries_validate_shapes():
    run = tr.GANRun(SMALL, IMAGES)
    with pytest.raises(ValueError, match="images of shape"):
        run.logits(np.zeros((3, 64)))
    with pytest.raises(ValueError, match="conditional"):
        run.sample(2, jax.random.key(0), labels=[1, 2])


@pytest.mark.parametrize("n_classes", [0, 10])
def test_image_checkpoint_round_trip(tmp_path, n_classes):
    cfg = SMALL.replace(n_classes=n_classes)
    labels = LABELS if n_classes else None
    run = tr.train_gan(IMAGES, cfg, labels=labels, progress=False)
    path = save_run(run, tmp_path / "digits")
    back = load_run(path, config=cfg)
    assert back.data_dim == (8, 8, 1) and back.step == run.step
    key = jax.random.key(5)
    lab = [3, 4] if n_classes else None
    assert np.array_equal(np.asarray(back.sample(2, key, labels=lab)),
                          np.asarray(run.sample(2, key, labels=lab)))
    resumed = load_run(path, data=IMAGES, labels=labels).train(3, progress=False)
    run.train(3, progress=False)
    assert np.array_equal(resumed.history["g_loss"], run.history["g_loss"])
    with pytest.raises(ValueError, match="channels"):
        load_run(path, config=cfg.replace(channels=(8, 8)))


# ---- the digit score ----------------------------------------------------------------------


def test_real_test_digits_score_high_and_cover_every_class():
    images, labels = datasets.load("digits", "test")
    s = digit_score.digit_score(images)
    assert s.score > 0.85 and s.covered == 10
    assert np.mean(s.classes == labels) > 0.9
    assert np.isclose(s.shares.sum(), 1.0) and s.confidence.shape == (len(images),)


def test_noise_and_blank_images_score_low():
    rng = np.random.default_rng(0)
    assert digit_score.digit_score(rng.uniform(size=(300, 8, 8, 1))).score < 0.6
    assert digit_score.digit_score(np.zeros((5, 8, 8, 1))).score < 0.6
    mean_image = np.repeat(IMAGES.mean(0, keepdims=True), 5, axis=0)
    assert digit_score.digit_score(mean_image).score < 0.6


def test_images_of_one_class_are_classified_as_that_class():
    images, labels = datasets.load("digits", "test")
    s = digit_score.digit_score(images[labels == 3])
    assert s.shares.argmax() == 3 and s.shares[3] > 0.7


def test_nearest_real_finds_copies():
    idx, dist = digit_score.nearest_real(IMAGES[[7, 42]], IMAGES)
    assert list(idx) == [7, 42] and np.allclose(dist, 0.0, atol=1e-3)
    with pytest.raises(ValueError, match="image shape"):
        digit_score.nearest_real(IMAGES[:2], np.zeros((3, 4, 4, 1)))


def test_digit_score_rejects_other_shapes():
    with pytest.raises(ValueError, match="8×8 digits or 28×28"):
        digit_score.digit_score(np.zeros((2, 16, 16, 1)))


def test_digits_preset_is_a_valid_image_config_with_its_data():
    from ganlab.presets import PRESETS

    config = PRESETS["digits"].config
    assert tr.GANConfig.from_dict(config.to_dict()) == config
    data = PRESETS["digits"].data()
    assert data.shape == (1500, 8, 8, 1)
    run = tr.GANRun(config, data)
    assert run.data_dim == (8, 8, 1)


def test_progression_nearest_real_and_diagram_figures():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganlab import plots

    fig = plots.plot_progression({5: IMAGES[:4], 50: IMAGES[4:8]}, title="t")
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "round 50"
    fig2 = plots.plot_nearest_real(IMAGES[:3], IMAGES[3:6], [1.0, 2.0, 3.0])
    assert len(fig2.axes) == 2
    with pytest.raises(ValueError, match="same shape"):
        plots.plot_nearest_real(IMAGES[:3], IMAGES[:2])
    with pytest.raises(ValueError, match="empty"):
        plots.plot_progression({})
    for draw in (plots.plot_progressive_growing, plots.plot_stylegan, plots.plot_cyclegan):
        assert len(draw().axes[0].patches) >= 6
    plt.close("all")
