"""GANTrainer, driven the way a lecturer drives it: buttons, controls, step(n), play/pause."""

from __future__ import annotations

import asyncio
import re

import jax
import numpy as np
import pytest
from flax import nnx
from matplotlib.text import Text

from ganlab import distributions as dist
from ganlab.training import GANConfig
from ganlab.widgets import GANTrainer
from ganlab.widgets.trainer import DATA_PRESETS

SMALL = GANConfig(batch_size=32, hidden=(16,), latent_dim=2, noise="uniform", chunk_size=50,
                  lr_generator=2e-3, lr_discriminator=2e-3)


def params(module):
    return [np.array(a) for a in jax.tree.leaves(nnx.state(module, nnx.Param))]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def trainer():
    t = GANTrainer("ring", SMALL)
    yield t
    t.close()


def test_step_n_trains_n_steps_and_changes_the_view_and_numbers(trainer):
    trainer.reset()
    image, readout, start = trainer.image.value, trainer.readout.value, trainer.run.step
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and start == 0
    trainer.step(120)
    assert trainer.run.step == 120 and len(trainer.run.history["d_loss"]) == 120
    assert trainer.values["step"] == 120
    assert trainer.image.value != image and trainer.readout.value != readout
    assert "120" in trainer.readout.value and "modes captured" in trainer.readout.value
    assert 0 <= trainer.values["modes"] <= 8 and 0.0 <= trainer.values["high_quality"] <= 1.0
    # measured after every compiled chunk (50 steps) and at the end
    assert trainer.trace["step"] == [0, 50, 100, 120] and len(trainer.trace["modes"]) == 4


def test_discriminator_only_and_generator_only_steps_move_only_that_network(trainer):
    trainer.reset()
    trainer.step(20)
    g, d = params(trainer.run.generator), params(trainer.run.discriminator)
    opt_g = [np.array(a) for a in jax.tree.leaves(nnx.state(trainer.run.optimizers["generator"]))]
    trainer.step_discriminator()
    assert same(g, params(trainer.run.generator)) and not same(d, params(trainer.run.discriminator))
    assert same(opt_g, [np.array(a) for a in
                        jax.tree.leaves(nnx.state(trainer.run.optimizers["generator"]))])
    d = params(trainer.run.discriminator)
    trainer.step_generator()
    assert same(d, params(trainer.run.discriminator)) and not same(g, params(trainer.run.generator))
    # the learning rates are back where they were
    assert trainer.run.config.lr_generator == pytest.approx(2e-3)
    trainer.step(1)
    assert not same(d, params(trainer.run.discriminator))
    g = params(trainer.run.generator)
    trainer.step_discriminator(5)
    assert trainer.run.step == 20 + 3 + 5 and same(g, params(trainer.run.generator))
    with pytest.raises(ValueError, match="n must be"):
        trainer.step_generator(0)
    with pytest.raises(ValueError, match="n must be"):
        trainer.step(0)


def test_reset_starts_over_from_the_same_networks(trainer):
    trainer.reset()
    first = params(trainer.run.generator)
    trainer.step(30)
    trainer.reset()
    assert trainer.run.step == 0 and trainer.trace["step"] == [0]
    assert same(first, params(trainer.run.generator))


def test_live_controls_change_the_running_config(trainer):
    trainer.reset()
    trainer.step(10)
    g = params(trainer.run.generator)
    trainer.set(loss="minimax", k=3, lr_generator=1e-4, batch_size=64)
    c = trainer.run.config
    assert (c.loss, c.k, c.lr_generator, c.batch_size) == ("minimax", 3, pytest.approx(1e-4), 64)
    assert trainer.run.step == 10 and same(g, params(trainer.run.generator))  # same networks
    trainer.step(5)
    assert trainer.run.optimizer_steps["discriminator"] == 10 + 15
    trainer.controls["width"].value = 24  # a new architecture: new networks
    assert trainer.run.step == 0 and trainer.run.config.hidden == (24,)
    trainer.set(depth=2, latent_dim=3)
    assert trainer.run.config.hidden == (24, 24) and trainer.run.config.latent_dim == 3
    trainer.set(loss="non_saturating", k=1, lr_generator=2e-3, batch_size=32, width=16,
                depth=1, latent_dim=2)
    assert trainer.run.config == SMALL


def test_switching_among_the_losses_without_a_penalty_compiles_nothing(trainer):
    from ganlab.training.step import program
    from ganlab.widgets.trainer.views import _views

    trainer.reset()
    trainer.step(5)
    run = trainer.run
    chunk = program(run.config, run._source, run._graphdef)
    compiled, views = chunk._cache_size(), _views._cache_size()
    for loss in ("minimax", "least_squares", "non_saturating"):  # the trainer's three
        trainer.set(loss=loss)
        trainer.step(5)
        assert trainer.run is run and trainer.run.config.loss == loss
        assert program(run.config, run._source, run._graphdef) is chunk
    assert chunk._cache_size() == compiled and run.step == 20
    assert _views._cache_size() == views  # nor does the frame (D as a probability or raw)


def test_slow_motion_narrates_the_five_stages_then_steps(trainer):
    trainer.reset()
    trainer.step(5)
    texts = trainer.narrate_step()
    assert [t.split("</b>")[0].split(". ")[1] for t in texts] == [
        "sample", "classify", "loss", "gradient", "update"]
    assert "32 data points" in texts[0] and "mean D(x)" in texts[1]
    assert "loss" in texts[2] and "∇ₓD" in texts[3] and "step 6 done" in texts[4]
    assert trainer.run.step == 6 and "update" in trainer.narration.value


def test_one_dimensional_data_shows_d_star_and_the_exact_jsd():
    t = GANTrainer("two modes", SMALL.replace(latent_dim=1, noise="gaussian"))
    try:
        t.step(60)
        v = t.values
        assert 0.0 <= v["jsd"] <= np.log(2) + 1e-6 and "JSD" in t.readout.value
        dstar = t.artists["d_star"].get_ydata()
        assert dstar.shape == t.views.xs.shape and np.all((dstar >= 0) & (dstar <= 1))
        t.set(data="ring")  # to 2D: the 2D default config
        assert t.p_data.dim == 2 and t.run.config.latent_dim == 2
    finally:
        t.close()


def small_texts(figure, points=12.0):
    """The texts of ``figure`` shown smaller than ``points``."""
    return [(t.get_text(), t.get_fontsize()) for t in figure.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < points]


def legends_on_their_axes(figure):
    """Legends whose box overlaps the data area of their axes."""
    figure.canvas.get_renderer()
    return [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None
            and ax.get_legend().get_window_extent().overlaps(ax.bbox)]


def html_font_px(html):
    return [int(px) for px in re.findall(r"font-size:\s*(\d+)px", html)]


def test_the_view_reads_from_the_back_of_a_lecture_hall(trainer):
    """Text of 12 pt and more, D's heat map with a colour bar naming fake and real, legends off
    the data, thick lines and large points; the readout and narration in 16 px (12 pt)."""
    trainer.reset()
    trainer.step(60)
    trainer.narrate_step()
    one_d = GANTrainer("two modes", SMALL.replace(latent_dim=1, noise="gaussian"))
    try:
        one_d.step(60)
        for t in (trainer, one_d):
            assert small_texts(t.figure) == []
            assert legends_on_their_axes(t.figure) == []
            assert t.axes["view"].get_legend() and t.axes["loss"].get_legend()
            assert html_font_px(t.readout.value) and min(html_font_px(t.readout.value)) >= 16
            assert int(t.narration.style.font_size.removesuffix("px")) >= 16
        for name in ("p_data", "p_g", "d", "d_star", "d_loss", "g_loss", "metric"):
            assert one_d.artists[name].get_linewidth() >= 2.5, name
        assert one_d.plot.colorbar is None  # no colour encodes a number in 1D
    finally:
        one_d.close()
    bar = trainer.plot.colorbar
    assert bar.mappable is trainer.artists["heat"]
    assert (bar.norm.vmin, bar.norm.vmax) == (0.0, 1.0)
    assert bar.ax.get_ylabel() == "D(x)"
    ticks = {float(v): label.get_text() for v, label in
             zip(bar.get_ticks(), bar.ax.get_yticklabels(), strict=True)}
    assert "fake" in ticks[0.0] and "real" in ticks[1.0]
    assert min(trainer.artists["real"].get_sizes()) >= 25
    assert min(trainer.artists["fake"].get_sizes()) >= 25
    trainer.set(loss="wasserstein_gp")  # a critic's outputs are shown rescaled, and say so
    assert "critic" in bar.ax.get_ylabel()
    assert small_texts(trainer.figure) == []
    trainer.set(loss="non_saturating")
    assert bar.ax.get_ylabel() == "D(x)"


def test_every_data_preset_builds_and_draws():
    for name in DATA_PRESETS:
        t = GANTrainer(name, SMALL if DATA_PRESETS[name]().dim == 2 else None)
        assert t.image.value[:4] == b"\x89PNG"
        t.close()
    t = GANTrainer(dist.Normal(1.0, 2.0))
    assert t.controls["data"].value == "custom" and t.p_data.dim == 1
    t.close()


def test_play_runs_on_the_event_loop_until_paused(trainer):
    trainer.reset()
    trainer.controls["steps_per_frame"].value = 20  # the user's choice: auto_steps goes off
    assert not trainer.controls["auto_steps"].value
    frames = trainer.frames

    async def scenario():
        trainer.play()
        assert trainer.playing and trainer.play_button.disabled
        for _ in range(100):  # the loop runs the kernel's work and play's frames in turn
            await asyncio.sleep(0)
            if trainer.frames >= frames + 3:
                break
        trainer.pause()
        await trainer.player.task

    asyncio.run(scenario())
    played = trainer.frames - frames
    assert played >= 4 and not trainer.playing and not trainer.play_button.disabled
    # each frame drew 20 steps; the last drew the steps started for the frame after it
    assert trainer.run.step == 20 * played == trainer.values["step"]
    with pytest.raises(RuntimeError, match="event loop"):
        trainer.play()
    trainer.set(auto_steps=True)


def test_pipelined_play_trains_exactly_like_step_n(trainer):
    trainer.reset()
    trainer.set(steps_per_frame=50, auto_steps=False)
    image, frames = trainer.image.value, trainer.frames
    trainer.player.play_frames(3)
    # three frames drawn while the next frame's steps trained, then those steps finished,
    # checked and drawn when play stopped
    assert trainer.run.step == 200 and trainer.frames == frames + 4 and not trainer.playing
    assert len(trainer.run.history["d_loss"]) == 200 and trainer.values["step"] == 200
    assert trainer.trace["step"] == [0, 50, 100, 150, 200]
    assert trainer.image.value != image and "200" in trainer.readout.value
    played, history = params(trainer.run.generator) + params(trainer.run.discriminator), \
        dict(trainer.run.history)
    trainer.reset()
    trainer.step(200)
    assert same(played, params(trainer.run.generator) + params(trainer.run.discriminator))
    assert all(np.array_equal(history[k], trainer.run.history[k]) for k in history)
    with pytest.raises(ValueError, match="n must be"):
        trainer.player.play_frames(0)
    trainer.set(auto_steps=True)


def test_a_nan_while_playing_stops_at_the_bad_step(trainer):
    trainer.reset()
    trainer.set(steps_per_frame=50)
    trainer.step(20)
    good = params(trainer.run.discriminator)
    d = trainer.run.discriminator
    nnx.update(d, jax.tree.map(lambda a: np.full(a.shape, np.nan, np.float32),
                               nnx.state(d, nnx.Param)))
    trainer.player.play_frames(2)
    assert not trainer.playing and not trainer.play_button.disabled
    assert trainer.diverged is not None and trainer.diverged.step == 21
    assert "diverged at step 21" in trainer.narration.value
    assert trainer.run.step == 20 and len(trainer.run.history["d_loss"]) == 20
    nnx.update(d, jax.tree.map(np.asarray, nnx.state(d, nnx.Param)))  # still NaN, not trained
    assert not same(good, params(d))
    trainer.reset()
    trainer.set(auto_steps=True)


def test_auto_steps_follow_the_measured_speed(trainer):
    trainer.reset()
    trainer.set(steps_per_frame=200, auto_steps=True)
    adapt = trainer.player.adapt
    # the host did not wait for the device, frames of 0.05 s: as many steps as fit 1/12 s
    adapt(100, period=0.05, wait=0.0)
    assert trainer.controls["steps_per_frame"].value == 150  # 167, in whole chunks of 50
    assert trainer.controls["auto_steps"].value  # set by the trainer, not the user
    # frames of 0.07 s: still time to spare, at least one chunk more
    adapt(200, period=0.07, wait=0.0)
    assert trainer.controls["steps_per_frame"].value == 250
    # drawing alone takes 0.2 s and the device keeps up: more steps would not help, stay
    adapt(100, period=0.2, wait=0.0)
    assert trainer.controls["steps_per_frame"].value == 100
    # the host waited 0.3 s of a 0.4 s frame: training set the pace, 500 steps/s -> 50 a frame
    adapt(200, period=0.4, wait=0.3)
    assert trainer.controls["steps_per_frame"].value == 50
    adapt(450, period=0.01, wait=0.0)  # never more than 10 chunks
    assert trainer.controls["steps_per_frame"].value == 500
    adapt(20, period=0.4, wait=0.35)  # below a chunk: tens, and at least 10
    assert trainer.controls["steps_per_frame"].value == 10
    trainer.player.play_frames(4)  # playing adapts them on its own and keeps auto_steps on
    assert trainer.controls["auto_steps"].value
    assert trainer.run.step % 10 == 0 and len(trainer.run.history["d_loss"]) == trainer.run.step


def test_moving_the_steps_slider_turns_auto_steps_off(trainer):
    trainer.set(auto_steps=True)
    trainer.controls["steps_per_frame"].value = 70
    assert not trainer.controls["auto_steps"].value
    trainer.set(auto_steps=True, steps_per_frame=60)  # set() is not the slider: it stays on
    assert trainer.controls["auto_steps"].value


def test_slow_motion_play_narrates_whole_iterations(trainer):
    trainer.reset()
    trainer.set(slow_motion=True)
    try:
        trainer.player.play_frames(2)  # two stages: the iteration under way is finished
        assert trainer.run.step == 1 and "5. update" in trainer.narration.value
        trainer.step_button.click()  # no event loop here: narrated at once
        assert trainer.run.step == 2 and "step 2 done" in trainer.narration.value
    finally:
        trainer.set(slow_motion=False)


@pytest.mark.parametrize("bad, message", [
    (dict(loss="hinge"), "loss must be one of"),
    (dict(k=0), "k must be a number from 1"),
    (dict(lr_generator=1.0), "lr_generator must be a number"),
    (dict(width=2.5), "width must be"),
    (dict(colour="red"), "unknown control"),
    (dict(slow_motion="yes"), "True or False"),
])
def test_bad_control_values_raise_and_change_nothing(trainer, bad, message):
    before = trainer.run.config
    with pytest.raises(ValueError, match=message):
        trainer.set(**bad)
    assert trainer.run.config == before


@pytest.mark.parametrize("kwargs, message", [
    (dict(data="moon"), "data must be"),
    (dict(data=np.zeros((5, 2))), "data must be"),
    (dict(config={"k": 2}), "config must be"),
    (dict(dpi=10), "dpi"),
])
def test_bad_construction_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GANTrainer(**kwargs)


def test_grid_preset_with_mixture_noise():
    """The grid recipe feeds G a discrete code plus noise: the trainer trains it, draws one
    warped line per code, and says so in slow motion."""
    from ganlab.presets import PRESETS

    config = PRESETS["grid"].config
    trainer = GANTrainer("grid", config)
    try:
        assert trainer.views.z_lines.shape[0] == config.n_components
        assert trainer.views.z_lines.shape[-1] == config.noise_dim
        before = trainer.image.value
        trainer.step(20)
        assert trainer.values["step"] == 20 and trainer.image.value != before
        trainer.narrate_step()
        assert f"one of {config.n_components} codes" in trainer.narration.value
    finally:
        trainer.close()
