""":class:`GANTrainer`: the widget itself: its controls and buttons, the run it trains, and a
redraw that ties the views, the figure and the readout together."""

from __future__ import annotations

import functools
import time

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab import distributions as dist
from ganlab import plots
from ganlab.loop import positive_int
from ganlab.training import GANConfig, GANRun
from ganlab.widgets.render import TEXT_PX, FigureWidget, check_dpi, readout_table
from ganlab.widgets.trainer.defaults import DATA_PRESETS, TRAINER_CONFIG, default_config
from ganlab.widgets.trainer.figure import TrainerFigure
from ganlab.widgets.trainer.narration import narrated_update
from ganlab.widgets.trainer.play import MAX_STEPS, PlayLoop
from ganlab.widgets.trainer.views import Views

__all__ = ["GANTrainer"]

_LOSSES = ("minimax", "non_saturating", "least_squares", "wasserstein_gp")
_BATCHES = (32, 64, 128, 256, 512)
_NEW_NETWORKS = {"data", "width", "depth", "latent_dim"}  # controls that start a new run
_NO_REDRAW = {"steps_per_frame", "auto_steps", "slow_motion"}  # controls of playing only


class GANTrainer(FigureWidget):
    """Train a GAN live and watch it: play / pause / reset, step by step or in slow motion.

    ``data``: a name from :data:`DATA_PRESETS` or a 1D / 2D ganlab distribution. ``config``: a
    :class:`ganlab.training.GANConfig` (default :data:`TRAINER_CONFIG`; for 1D data with one
    Gaussian noise coordinate), e.g. ``GANTrainer("grid", PRESETS["grid"].config)`` with
    :data:`ganlab.presets.PRESETS`.

    Methods: :meth:`step` (train n steps, redraw once), :meth:`step_discriminator`,
    :meth:`step_generator`, :meth:`narrate_step` (one iteration in five narrated stages),
    :meth:`play` / :meth:`pause` (needs the notebook's event loop), :meth:`reset`, :meth:`set`
    (change controls by name, e.g. ``set(loss="minimax", k=2)``; one rebuild or redraw),
    :meth:`redraw`.

    Controls (``trainer.controls[name]``, also attributes): ``data``, ``loss``, ``k``,
    ``lr_generator``, ``lr_discriminator``, ``batch_size`` (change the running training);
    ``width``, ``depth``, ``latent_dim`` (new networks); ``steps_per_frame``, ``auto_steps``
    (steps per frame chosen for about 12 frames a second while playing; moving the
    ``steps_per_frame`` slider turns it off), ``slow_motion``.
    Buttons: ``play_button``, ``pause_button``, ``reset_button``, ``step_button``,
    ``step_d_button``, ``step_g_button``.

    Attributes: ``run`` (the :class:`GANRun`), ``config``, ``p_data``, ``values`` (the numbers
    of the last frame: ``step``, ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``, and ``jsd`` in
    1D or ``modes``, ``n_modes``, ``high_quality`` in 2D), ``trace`` (those measured at every
    frame: ``step`` and ``jsd`` or ``modes`` and ``high_quality``), ``narration`` (HTML of the
    slow-motion stages), ``image``, ``readout``, ``widget``, ``figure`` (and its ``axes`` and
    animated ``artists``), ``frames`` (frames drawn), ``last_timing`` (ms: ``train``
    (``wait``: time spent waiting for the device while playing), ``views``, ``draw``,
    ``encode``), ``diverged`` (the :class:`ganlab.training.TrainingDiverged` that stopped
    playing, or None). Parts: ``views`` (:class:`~ganlab.widgets.trainer.views.Views`: the
    numbers of a frame), ``plot`` (:class:`~ganlab.widgets.trainer.figure.TrainerFigure`),
    ``player`` (:class:`~ganlab.widgets.trainer.play.PlayLoop`; ``player.play_frames(n)``
    plays n frames at once, without an event loop).
    """

    def __init__(self, data="ring", config: GANConfig | None = None, *,
                 steps_per_frame: int = 200, dpi: float = 72):
        if config is not None and not isinstance(config, GANConfig):
            raise ValueError(f"config must be a GANConfig or None, got {type(config).__name__}")
        self._custom = None
        if isinstance(data, dist.Distribution):
            self._custom = data
            data = "custom"
        elif not isinstance(data, str) or data not in DATA_PRESETS:
            raise ValueError(f"data must be a ganlab distribution or one of "
                             f"{sorted(DATA_PRESETS)}, got {data!r}")
        self._dpi = check_dpi(dpi)
        self._given = config
        self._given_dim = self._data(data).dim
        self.controls = self._make_controls(data, steps_per_frame)
        for name, control in self.controls.items():
            setattr(self, name, control)
        self._make_buttons()
        self._make_outputs()
        self.narration = widgets.HTML(style={"font_size": f"{TEXT_PX}px"})
        self.widget = self._layout()
        self.player = PlayLoop(self)
        self.diverged = None
        self._new_run(config)
        self._observe()

    # ---- controls -----------------------------------------------------------------------------

    def _make_controls(self, data: str, steps_per_frame) -> dict:
        names = ([("custom", "custom")] if self._custom is not None else []) + \
            [(n, n) for n in DATA_PRESETS]
        c = self._given or TRAINER_CONFIG
        depth = len(c.hidden)
        log = functools.partial(widgets.FloatLogSlider, base=10, min=-5, max=-1, step=0.1,
                                readout_format=".0e", continuous_update=False)
        ints = functools.partial(widgets.IntSlider, continuous_update=False)
        return {
            "data": widgets.Dropdown(options=names, value=data, description="data"),
            "loss": widgets.Dropdown(options=_LOSSES, value=c.loss, description="loss"),
            "k": ints(value=c.k, min=1, max=10, description="k (D steps)"),
            "lr_generator": log(value=c.lr_generator, description="lr G"),
            "lr_discriminator": log(value=c.lr_discriminator, description="lr D"),
            "batch_size": widgets.Dropdown(options=sorted({*_BATCHES, c.batch_size}),
                                           value=c.batch_size, description="batch"),
            "width": ints(value=c.hidden[0] if depth else 64, min=4, max=256, step=4,
                          description="width"),
            "depth": ints(value=depth, min=0, max=4, description="depth"),
            "latent_dim": ints(value=c.latent_dim, min=1, max=8, description="noise dim"),
            "steps_per_frame": ints(value=steps_per_frame, min=1, max=MAX_STEPS,
                                    description="steps/frame"),
            "auto_steps": widgets.Checkbox(value=True, description="auto steps/frame"),
            "slow_motion": widgets.Checkbox(value=False, description="slow motion"),
        }

    def _make_buttons(self):
        def button(text, icon, action):
            b = widgets.Button(description=text, icon=icon,
                               layout=widgets.Layout(width="auto"))
            b.on_click(lambda _: action())
            return b

        self.play_button = button("play", "play", self.play)
        self.pause_button = button("pause", "pause", self.pause)
        self.reset_button = button("reset", "refresh", self.reset)
        self.step_button = button("step", "step-forward", self._step_clicked)
        self.step_d_button = button("D only", "step-forward", lambda: self.step_discriminator())
        self.step_g_button = button("G only", "step-forward", lambda: self.step_generator())

    def _layout(self):
        buttons = widgets.HBox([self.play_button, self.pause_button, self.reset_button,
                                self.step_button, self.step_d_button, self.step_g_button,
                                self.controls["slow_motion"]])
        c = self.controls
        columns = widgets.HBox([
            widgets.VBox([c["data"], c["loss"], c["k"], c["batch_size"]]),
            widgets.VBox([c["lr_generator"], c["lr_discriminator"], c["steps_per_frame"],
                          c["auto_steps"]]),
            widgets.VBox([c["width"], c["depth"], c["latent_dim"]]),
        ])
        # Where the page is too narrow for the figure and the numbers side by side, the
        # numbers go below it and the figure keeps its size (its text stays at 12 pt and more).
        figure = widgets.HBox([self.image, self.readout],
                              layout=widgets.Layout(flex_flow="row wrap"))
        return widgets.VBox([buttons, figure, columns, self.narration])

    def _on_change(self, change):
        if not self._holding and change["owner"] is self.controls["steps_per_frame"]:
            self.controls["auto_steps"].value = False  # the user's choice wins
        super()._on_change(change)

    def _changed(self, names: set) -> None:
        c = self.controls
        if "data" in names and self._data(c["data"].value).dim != self.p_data.dim:
            same_dim = self._given_dim == self._data(c["data"].value).dim
            self._new_run(self._given if same_dim else None)  # else that dimension's default
            return
        if names & _NEW_NETWORKS:
            self._new_run(self._config_from_controls())
            return
        if names & {"lr_generator", "lr_discriminator"}:
            self.run.set_learning_rates(c["lr_generator"].value, c["lr_discriminator"].value)
        if names & {"loss", "k", "batch_size"}:
            # The networks stay. The loss is data of the compiled step (a penalty aside): only
            # k, the batch size or WGAN-GP make the next chunk compile (or reuse) another program.
            self.run.config = self._config_from_controls(self.run.config)
        self.config = self.run.config
        if names - _NO_REDRAW and not self.player.playing:
            self.redraw()  # while playing, the next frame shows the change

    def _config_from_controls(self, base: GANConfig | None = None) -> GANConfig:
        c = self.controls
        base = self.config if base is None else base
        batch = int(c["batch_size"].value)
        return base.replace(
            loss=c["loss"].value, k=int(c["k"].value), batch_size=batch,
            lr_generator=float(c["lr_generator"].value),
            lr_discriminator=float(c["lr_discriminator"].value),
            hidden=(int(c["width"].value),) * int(c["depth"].value),
            hidden_discriminator=None, latent_dim=int(c["latent_dim"].value),
            pack=base.pack if batch % base.pack == 0 else 1)

    # ---- the run ----------------------------------------------------------------------------

    def _data(self, name: str) -> dist.Distribution:
        return self._custom if name == "custom" else DATA_PRESETS[name]()

    def _new_run(self, config: GANConfig | None) -> None:
        self.p_data = self._data(self.controls["data"].value)
        if self.p_data.dim not in (1, 2):
            raise ValueError(f"GANTrainer shows 1D and 2D data, got {self.p_data.dim}D")
        config = default_config(self.p_data.dim) if config is None else config
        self.config = config
        with self._held():  # the controls show the config actually used
            for field in ("loss", "k", "lr_generator", "lr_discriminator", "latent_dim"):
                self.controls[field].value = getattr(config, field)
            batch = self.controls["batch_size"]
            if config.batch_size not in batch.options:
                batch.options = sorted({*batch.options, config.batch_size})
            batch.value = config.batch_size
            self.controls["depth"].value = len(config.hidden)
            if config.hidden:
                self.controls["width"].value = config.hidden[0]
        self.run = GANRun(config, self.p_data)
        self.views = Views(self.p_data, config)
        self.trace = {"step": [], **{name: [] for name in self.views.measures}}
        self.frames = 0
        self.narration.value = ""
        self.plot = TrainerFigure(self.views, self._dpi)
        self.figure, self.axes, self.artists = self.plot.figure, self.plot.axes, self.plot.artists
        self.redraw()

    def _train(self, steps: int) -> None:
        self.player.settle()
        start, end = time.perf_counter(), self.run.step + steps

        def measure(run):  # between chunks; the last one is measured by the redraw
            if run.step < end:
                self._record()

        self.run.train(steps, progress=False, callback=measure)
        self.last_timing = {"train": 1e3 * (time.perf_counter() - start)}

    def step(self, n: int = 1) -> None:
        """Train ``n`` steps of Algorithm 1 (k D steps + 1 G step each), then redraw once."""
        self._train(positive_int("n", n))
        self.redraw()

    def _one_network(self, frozen: str, n) -> None:
        """``n`` training iterations in which ``frozen``'s network does not move: its learning
        rate is 0 meanwhile and its optimiser state is put back afterwards; then redraw."""
        n = positive_int("n", n)
        opt = self.run.optimizers[frozen]
        saved = jax.tree.map(jnp.copy, nnx.state(opt))
        opt.opt_state.hyperparams["learning_rate"][...] = 0.0
        try:
            self._train(n)
        finally:
            nnx.update(opt, saved)
        self.redraw()

    def step_discriminator(self, n: int = 1) -> None:
        """``n`` × k discriminator steps only (the generator does not change); then redraw."""
        self._one_network("generator", n)

    def step_generator(self, n: int = 1) -> None:
        """``n`` generator steps only, against the current D (which does not change); redraw."""
        self._one_network("discriminator", n)

    def reset(self) -> None:
        """New networks with the current controls (same seed: the same start); redraw."""
        self.pause()
        self._new_run(self._config_from_controls())

    def narrate_step(self) -> list[str]:
        """One training iteration in five narrated stages, at once; returns their texts
        (HTML), also shown in :attr:`narration`."""
        return list(narrated_update(self))

    def _step_clicked(self):
        if self.controls["slow_motion"].value:
            self.player.step_slowly()
        else:
            self.step(1)

    # ---- playing ----------------------------------------------------------------------------

    def play(self) -> None:
        """Train and redraw until :meth:`pause`, as a task on the running event loop (the
        notebook kernel's), so the kernel keeps answering. Slow motion plays stage by stage."""
        self.player.play()

    def pause(self) -> None:
        """Stop playing after the current frame (its steps are finished and drawn)."""
        self.player.pause()

    @property
    def playing(self) -> bool:
        return self.player.playing

    # ---- drawing ----------------------------------------------------------------------------

    def _record(self, fakes=None, step=None) -> dict:
        """Measure the generator from ``fakes`` (default: those of the networks now, see
        :meth:`Views.measure`) and append it to :attr:`trace` at ``step`` (default: the run's
        step), once per step count; returns the measures."""
        step = self.run.step if step is None else step
        if fakes is None:
            fakes = np.asarray(self.views.numbers(self.run)[0])
        out = self.views.measure(fakes)
        if not self.trace["step"] or self.trace["step"][-1] != step:
            self.trace["step"].append(step)
            for name in self.trace:
                if name != "step":
                    self.trace[name].append(out[name])
        return out

    def redraw(self, numbers=None, step=None) -> None:
        """Compute every view of the current networks and redraw the figure and readout.

        (Playing passes a frame's ``numbers`` from :meth:`Views.numbers` and its ``step``.)
        """
        t0 = time.perf_counter()
        if numbers is None:
            self.player.settle()
            numbers = tuple(np.asarray(a) for a in self.views.numbers(self.run))
        step = self.run.step if step is None else step
        h = self.run.history
        last = {name: float(h[name][-1]) if len(h[name]) else float("nan") for name in h}
        measured = self._record(numbers[0], step)
        self.values = {"step": step, **last,
                       **{k: v for k, v in measured.items() if k not in ("p_g", "d_star")}}
        t1 = time.perf_counter()
        self.plot.draw(numbers, measured, self.trace, h, step, only_widen=self.player.playing,
                       critic=self.run.config.loss == "wasserstein_gp")
        t2 = time.perf_counter()
        self._show()
        self.frames += 1
        t3 = time.perf_counter()
        self.last_timing = {**getattr(self, "last_timing", {}), "views": 1e3 * (t1 - t0),
                            "draw": 1e3 * (t2 - t1), "encode": 1e3 * (t3 - t2)}

    def _readout_html(self) -> str:
        """Short labels, so the numbers fit beside the figure on a lecture-hall screen (the
        loss and k are on their controls, just below)."""
        v = self.values
        rows = [("step", f"{v['step']:,}"), ("D loss", f"{v['d_loss']:.3f}"),
                ("G loss", f"{v['g_loss']:.3f}"), ("mean D(x)", f"{v['d_real']:.3f}"),
                ("mean D(G(z))", f"{v['d_fake']:.3f}")]
        if "jsd" in v:
            rows.append(("JSD (nats)", plots.format_nats(v["jsd"])))
        if "modes" in v:
            rows += [("modes captured", f"{v['modes']}/{v['n_modes']}"),
                     ("within 3σ", f"{100 * v['high_quality']:.1f} %")]
        return readout_table(rows)

    # ---- display ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop playing and close every widget of the trainer."""
        self.pause()
        super().close()

    def __repr__(self) -> str:
        return (f"GANTrainer(data={self.controls['data'].value!r}, step={self.run.step}, "
                f"config={self.run.config!r})")
