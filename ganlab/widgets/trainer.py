""":class:`GANTrainer`: a GAN training live in the notebook, in the spirit of GAN Lab.

Play, pause, reset; one training iteration, a discriminator step only or a generator step only;
a slow-motion mode that walks through one update (sample → classify → loss → gradient →
update) in words. Learning rates, loss, k and batch size change the running training at once;
data, width, depth and noise size start new networks.

Views. 1D: p_data, the generator's density (a kernel density estimate of its samples), the
learned D and the exact D* = p_data / (p_data + p_G) for that density, and the exact JSD between
them over time (quadrature, :func:`ganlab.divergences.compare`). 2D: D's output as a heat map
over the plane, real and fake points, the arrows ∇ₓD at the fakes (where G's update will push
them), the generator's warped noise grid, the losses, and the modes captured over time
(:func:`ganlab.metrics.mode_coverage`).

Speed: training runs in the engine's compiled chunks (:class:`ganlab.training.GANRun`); every
view of a frame comes from one more compiled call; the figure is drawn with Agg onto stored
backgrounds (blitting) and sent as a PNG. Playing runs as an asyncio task on the kernel's event
loop and is pipelined: it starts the next frame's steps on the device
(:meth:`GANRun.start_steps`, which does not wait), then draws the frame of the steps before
while the device trains, checks their losses, and yields, so clicks (pause) are handled between
frames. A frame thus costs max(training, drawing) rather than their sum. With ``auto_steps``
(the default) the steps per frame follow the measured speed so that about 12 frames a second
are drawn.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab import metrics, plots
from ganlab.losses import get_loss
from ganlab.training import GANConfig, GANRun, TrainingDiverged
from ganlab.training import _noise  # the engine's noise, so the views see what G is fed
from ganlab.widgets.render import close_tree, readout_table
from ganlab.widgets.render import lecture_style as _lecture_style
from ganlab.widgets.render import png_bytes as _png_bytes

__all__ = ["GANTrainer", "DATA_PRESETS", "TRAINER_CONFIG"]


def _two_gaussians():
    return dist.Mixture([dist.IsotropicNormal([-1.5, -0.5], 0.3),
                         dist.IsotropicNormal([1.5, 0.5], 0.3)])


def _line():
    t = np.linspace(-1.0, 1.0, 41)
    return dist.blobs(np.column_stack([1.5 * t, 0.75 * t]), 0.04)


def _spiral():
    t = np.linspace(0.25, 1.0, 60) ** 0.5 * 3.0 * np.pi
    return dist.blobs(np.column_stack([t * np.cos(t), t * np.sin(t)]) / 3.0, 0.06)


DATA_PRESETS = {
    "normal": lambda: dist.Normal(2.0, 0.6),
    "two modes": lambda: dist.Mixture([dist.Normal(-2.0, 0.5), dist.Normal(2.0, 0.5)],
                                      weights=[0.3, 0.7]),
    "three modes": lambda: dist.Mixture([dist.Normal(-3.0, 0.4), dist.Normal(0.0, 0.4),
                                         dist.Normal(3.0, 0.4)]),
    "ring": dist.ring,
    "grid": dist.grid,
    "two gaussians": _two_gaussians,
    "line": _line,
    "spiral": _spiral,
}
"""Data by name: 1D ``normal``, ``two modes``, ``three modes``; 2D ``ring`` (8 modes, σ 0.01),
``grid`` (25 modes, σ 0.05), ``two gaussians``, ``line`` and ``spiral`` (mixtures of small
Gaussians along a segment and a spiral)."""

TRAINER_CONFIG = GANConfig(loss="non_saturating", k=1, batch_size=128, lr_generator=1e-3,
                           lr_discriminator=1e-3, latent_dim=2, hidden=(32, 32),
                           noise="uniform", beta1=0.5, chunk_size=50)
"""The trainer's default: small enough for thousands of steps a second on a laptop CPU.
1D data get ``latent_dim=1`` and Gaussian noise unless a config is given. Chunks of 50 steps:
playing trains a whole number of chunks per frame (a partial chunk wastes the minibatches drawn
for it), and 50 steps are fine steps for matching a frame's time."""

_LOSSES = ("minimax", "non_saturating", "least_squares", "wasserstein_gp")
_BATCHES = (32, 64, 128, 256, 512)
_N_FAKE_SHOWN, _N_REAL_SHOWN, _N_SCORED = 300, 300, 2500
_N_ARROWS, _N_PLANE, _N_XS = 60, 60, 601
_GRID_LINES, _GRID_POINTS = 11, 41
_MAX_CURVE_POINTS = 400
_STAGES = ("sample", "classify", "loss", "gradient", "update")
_FRAME_SECONDS = 1 / 12  # auto_steps aims at 12 frames a second (10 at the least)
_MIN_STEPS, _MAX_STEPS = 10, 2000
_AUTO_CHUNKS = 10  # auto_steps queues at most this many chunks per frame


@functools.partial(jax.jit, static_argnums=(0, 1, 7, 8))
def _views(g_graph, d_graph, g_state, d_state, z, z_lines, plane, pack, probabilities):
    """One frame's numbers: fakes G(z), the warped grid G(z_lines), D on ``plane`` and ∇ₓD at
    the first fakes. A packed D judges a pack of ``pack`` copies of a point."""
    gen, disc = nnx.merge(g_graph, g_state), nnx.merge(d_graph, d_state)

    def d_of(x):
        out = disc(jnp.tile(x, (1, pack)))
        return jax.nn.sigmoid(out) if probabilities else out

    fakes = gen(z)
    lines = gen(z_lines.reshape(-1, z_lines.shape[-1])).reshape(*z_lines.shape[:2], -1)
    grads = jax.grad(lambda x: jnp.sum(d_of(x)))(fakes[:_N_ARROWS])
    return fakes, lines, d_of(plane), grads


def _modes(p: dist.Distribution):
    """(mode centres ``(k, 2)``, their common σ) of a mixture of equal isotropic normals, or
    (None, None) for other data."""
    parts = getattr(p, "components", ())
    scales = {getattr(c, "scale", None) for c in parts}
    if not parts or len(scales) != 1 or not all(isinstance(c, dist.IsotropicNormal)
                                                for c in parts):
        return None, None
    return np.asarray(p.modes), scales.pop()


def _nice_limit(value: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (> 0)."""
    value = max(float(value), 1e-6)
    base = 10.0 ** math.floor(math.log10(value))
    return next(b * base for b in (1.0, 2.0, 5.0, 10.0) if b * base >= value * (1 - 1e-9))


def _curve(values: np.ndarray):
    """(steps, values) with at most _MAX_CURVE_POINTS points: means over consecutive blocks,
    each plotted at its last step."""
    n = len(values)
    if n <= _MAX_CURVE_POINTS:
        return np.arange(1, n + 1), values
    edges = np.linspace(0, n, _MAX_CURVE_POINTS + 1).astype(int)
    sums = np.add.reduceat(np.asarray(values, np.float64), edges[:-1])
    return edges[1:], sums / np.diff(edges)


class GANTrainer:
    """Train a GAN live and watch it: play / pause / reset, step by step or in slow motion.

    ``data``: a name from :data:`DATA_PRESETS` or a 1D / 2D ganlab distribution. ``config``: a
    :class:`ganlab.training.GANConfig` (default :data:`TRAINER_CONFIG`; for 1D data with one
    Gaussian noise coordinate), e.g. ``GANTrainer("grid", PRESETS["grid"])``.

    Methods: :meth:`step` (train n steps, redraw once), :meth:`step_discriminator`,
    :meth:`step_generator`, :meth:`narrate_step` (one iteration in five narrated stages),
    :meth:`play` / :meth:`pause` (needs the notebook's event loop), :meth:`reset`, :meth:`set`
    (change controls by name), :meth:`redraw`.

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
    slow-motion stages), ``image``, ``readout``, ``widget``, ``figure``, ``frames`` (frames
    drawn), ``last_timing`` (ms: ``train`` (``wait``: time spent waiting for the device while
    playing), ``views``, ``draw``, ``encode``), ``diverged`` (the
    :class:`ganlab.training.TrainingDiverged` that stopped playing, or None).
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
        if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 40 <= dpi <= 200:
            raise ValueError(f"dpi must be a number from 40 to 200, got {dpi!r}")
        self._dpi = float(dpi)
        self._given = config
        self._given_dim = self._data(data).dim if data != "custom" else self._custom.dim
        self.controls = self._make_controls(data, steps_per_frame)
        for name, control in self.controls.items():
            setattr(self, name, control)
        self._make_buttons()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML()
        self.narration = widgets.HTML()
        self.widget = self._layout()
        self._task = None
        self._playing = False
        self._pending = None  # (run, steps started while playing and not yet checked)
        self._frame_end = None
        self.diverged = None
        self._holding = False
        self.figure = None
        self._new_run(config)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

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
            "steps_per_frame": ints(value=steps_per_frame, min=1, max=_MAX_STEPS,
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
        return widgets.VBox([buttons, widgets.HBox([self.image, self.readout]), columns,
                             self.narration])

    def set(self, **values) -> None:
        """Set controls by name, e.g. ``set(loss="minimax", k=2)``; one rebuild or redraw.

        Unknown names and values out of range raise ``ValueError`` and change nothing.
        """
        for name, value in values.items():
            control = self.controls.get(name)
            if control is None:
                raise ValueError(f"unknown control {name!r}; the controls are: "
                                 f"{', '.join(self.controls)}")
            if isinstance(control, widgets.Dropdown):
                allowed = [v for _, v in control.options] if isinstance(
                    control.options[0], tuple) else list(control.options)
                if value not in allowed:
                    raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
            elif isinstance(control, widgets.Checkbox):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be True or False, got {value!r}")
            else:
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                if isinstance(control, widgets.IntSlider):
                    number = number and float(value).is_integer()
                low, high = ((10.0 ** control.min, 10.0 ** control.max)
                             if isinstance(control, widgets.FloatLogSlider)
                             else (control.min, control.max))
                if not number or not low <= value <= high:
                    raise ValueError(f"{name} must be a number from {low:g} to {high:g}, "
                                     f"got {value!r}")
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self._apply(set(values))

    def _on_change(self, change):
        if not self._holding:
            name = next(n for n, c in self.controls.items() if c is change["owner"])
            if name == "steps_per_frame":  # the user's choice wins over the automatic one
                self.controls["auto_steps"].value = False
            self._apply({name})

    def _apply(self, names: set) -> None:
        c = self.controls
        if "data" in names and self._data(c["data"].value).dim != self.p_data.dim:
            self._new_run(self._given if self._given_dim == self._data(
                c["data"].value).dim else None)  # the other dimension's default config
            return
        if names & {"data", "width", "depth", "latent_dim"}:
            self._new_run(self._config_from_controls())
            return
        if names & {"lr_generator", "lr_discriminator"}:
            self.run.set_learning_rates(c["lr_generator"].value, c["lr_discriminator"].value)
        if names & {"loss", "k", "batch_size"}:
            # The networks stay; the next chunk compiles (or reuses) the matching program.
            self.run.config = self._config_from_controls(self.run.config)
        self.config = self.run.config
        if names - {"steps_per_frame", "auto_steps", "slow_motion"} and not self._playing:
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
        if config is None:
            config = TRAINER_CONFIG
            if self.p_data.dim == 1:
                config = config.replace(latent_dim=1, noise="gaussian")
        self.config = config
        self._holding = True
        try:  # the controls show the config actually used
            for field in ("loss", "k", "lr_generator", "lr_discriminator", "latent_dim"):
                self.controls[field].value = getattr(config, field)
            if config.batch_size not in self.controls["batch_size"].options:
                self.controls["batch_size"].options = sorted(
                    {*self.controls["batch_size"].options, config.batch_size})
            self.controls["batch_size"].value = config.batch_size
            self.controls["depth"].value = len(config.hidden)
            if config.hidden:
                self.controls["width"].value = config.hidden[0]
        finally:
            self._holding = False
        self.run = GANRun(config, self.p_data)
        self._graphs = (None, None, None)  # (run, G's graphdef, D's), for _frame_numbers
        self._view_inputs()
        self.trace = {"step": []}
        self.trace.update({"jsd": []} if self.p_data.dim == 1 else
                          {"modes": [], "high_quality": []})
        self.frames = 0
        self._narrated = []
        self.narration.value = ""
        self._rate = None
        self._build_figure()
        self.redraw()

    def _view_inputs(self):
        """Fixed inputs of the views: noise, the noise grid, the plane or line, real points."""
        c, key = self.config, jax.random.key(12345)
        k_z, k_real = jax.random.split(key)
        self._z = _noise(c.noise, k_z, (_N_SCORED, c.latent_dim), c.n_components)
        edge = 2.0 if c.noise == "gaussian" else 1.0
        ticks = np.linspace(-edge, edge, _GRID_LINES)
        along = np.linspace(-edge, edge, _GRID_POINTS)
        if c.noise == "mixture":  # one line per code: the first continuous coordinate swept
            codes = np.repeat(np.eye(c.n_components)[:, None, :], _GRID_POINTS, axis=1)
            sweep = np.zeros((c.n_components, _GRID_POINTS, c.latent_dim))
            sweep[..., 0] = along
            lines = np.concatenate([codes, sweep], axis=-1)
        elif c.latent_dim == 1:
            lines = along[None, :, None]
        else:
            across = np.stack([np.stack(np.broadcast_arrays(t, along), -1) for t in ticks])
            lines = np.concatenate([across, across[..., ::-1]])
            lines = np.concatenate([lines, np.zeros((*lines.shape[:2], c.latent_dim - 2))],
                                   axis=-1)
        self._z_lines = jnp.asarray(lines, jnp.float32)
        real = np.asarray(self.p_data.sample(k_real, 4096))
        self._real = real[:_N_REAL_SHOWN]
        low, high = np.percentile(real, 0.5, axis=0), np.percentile(real, 99.5, axis=0)
        centre, half = (low + high) / 2, (high - low) / 2
        if self.p_data.dim == 1:
            half = float(half[0]) * 1.6 + 0.5
            self.limits = (float(centre[0]) - half, float(centre[0]) + half)
            self.xs = div.grid(*self.limits, _N_XS)
            self._plane = jnp.asarray(self.xs, jnp.float32)[:, None]
            self._p_data_curve = np.asarray(self.p_data.prob(self.xs))
            # p_data's side of the exact numbers, once: each frame's JSD and D* are then
            # computed in NumPy, without queueing behind the training on the device
            self._lp_data = np.asarray(div.log_probabilities(self.p_data, self.xs))
            self._log_w = div.log_weights(self.xs)
        else:
            half = float(half.max()) * 1.3 + 0.3
            self.limits = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
            self._plane = jnp.asarray(plots.plane_points(self.limits, _N_PLANE))

    def _settle(self) -> None:
        """Finish the steps that playing started and has not checked yet (see :meth:`_frame`)."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is self.run:
            self.run.collect_steps(pending[1])

    def _train(self, steps: int) -> None:
        self._settle()
        start, end = time.perf_counter(), self.run.step + steps

        def measure(run):  # between chunks; the last one is measured by the redraw
            if run.step < end:
                self._record()

        self.run.train(steps, progress=False, callback=measure)
        seconds = time.perf_counter() - start
        self._rate = steps / seconds if seconds > 0 else None
        self.last_timing = {"train": 1e3 * seconds}

    def step(self, n: int = 1) -> None:
        """Train ``n`` steps of Algorithm 1 (k D steps + 1 G step each), then redraw once."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be an integer >= 1, got {n!r}")
        self._train(int(n))
        self.redraw()

    def _one_network(self, frozen: str, n) -> None:
        """``n`` training iterations in which ``frozen``'s network does not move: its learning
        rate is 0 meanwhile and its optimiser state is put back afterwards; then redraw."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be an integer >= 1, got {n!r}")
        opt = self.run.optimizers[frozen]
        saved = jax.tree.map(jnp.copy, nnx.state(opt))
        opt.opt_state.hyperparams["learning_rate"][...] = 0.0
        try:
            self._train(int(n))
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

    # ---- slow motion ------------------------------------------------------------------------

    def _stages(self):
        """Generator of one narrated iteration: each ``next`` sets the view and the narration
        of one stage and yields its text; the last stage takes the training step."""
        self._settle()
        run, c = self.run, self.run.config
        loss = get_loss(c.loss)
        batch = run.minibatches(run.step + 1)
        real, z = np.asarray(batch.reals[0]), batch.d_noise[0]
        fake = np.asarray(run.generator(z))
        m, pack = len(real), c.pack
        texts = []

        def show(stage, text):
            texts.append(f"<b>{len(texts) + 1}. {stage}</b>: {text}")
            self.narration.value = "<br>".join(texts)
            return texts[-1]

        noise = {"uniform": f"U(−1, 1)<sup>{c.latent_dim}</sup>",
                 "gaussian": f"N(0, 1)<sup>{c.latent_dim}</sup>",
                 "mixture": (f"(one of {c.n_components} codes, "
                             f"U(−1, 1)<sup>{c.latent_dim}</sup>)")}[c.noise]
        if self.p_data.dim == 2:
            plots.update_plane(self.artists, real=real, fake=fake)
            self._blit()
        yield show("sample", f"draw {m} data points x ~ p<sub>data</sub> (black) and {m} noise "
                             f"vectors z ~ {noise}; G maps them to "
                             f"{m} fakes G(z) (green)")
        real_logits = run.discriminator(jnp.asarray(real).reshape(m // pack, -1))
        fake_logits = run.discriminator(jnp.asarray(fake).reshape(m // pack, -1))
        score = jax.nn.sigmoid if loss.probabilities else (lambda v: v)
        what = "packs of " + str(pack) if pack > 1 else "points"
        yield show("classify", f"D scores the {what}: mean D(x) = "
                               f"{float(jnp.mean(score(real_logits))):.3f} on data, mean "
                               f"D(G(z)) = {float(jnp.mean(score(fake_logits))):.3f} on fakes")
        d_value = float(loss.discriminator(real_logits, fake_logits))
        g_value = float(loss.generator(fake_logits))
        penalty = " (plus the gradient penalty)" if loss.gradient_penalty else ""
        yield show("loss", f"D's loss ({c.loss}) = {d_value:.3f}{penalty}; G's loss = "
                           f"{g_value:.3f}")
        _, _, _, grads = self._frame_numbers(fake_override=fake)
        norm = float(np.mean(np.linalg.norm(np.asarray(grads), axis=-1)))
        yield show("gradient", f"backpropagation gives each network's gradient; the arrows "
                               f"∇ₓD at the fakes (mean length {norm:.3g}) show where G's "
                               f"update will push them")
        self._train(1)
        self.redraw()
        yield show("update", f"Adam moves D ({c.k} step{'s' if c.k > 1 else ''}, each on "
                             f"fresh minibatches) then G once: step {run.step} done, D's loss "
                             f"{self.values['d_loss']:.3f}, G's loss {self.values['g_loss']:.3f}")

    def narrate_step(self) -> list[str]:
        """One training iteration in five narrated stages, at once; returns their texts
        (HTML), also shown in :attr:`narration`."""
        self._narrated = list(self._stages())
        return self._narrated

    def _step_clicked(self):
        if not self.controls["slow_motion"].value:
            self.step(1)
        elif self._event_loop() is None:
            self.narrate_step()
        elif not self._playing and (self._task is None or self._task.done()):
            self._task = self._event_loop().create_task(self._slow())

    # ---- playing ----------------------------------------------------------------------------

    @staticmethod
    def _event_loop():
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def play(self) -> None:
        """Train and redraw until :meth:`pause`, as a task on the running event loop (the
        notebook kernel's), so the kernel keeps answering. Slow motion plays stage by stage."""
        loop = self._event_loop()
        if loop is None:
            raise RuntimeError("play() needs a running event loop, as in a Jupyter kernel; "
                               "outside a notebook use step(n)")
        if self._playing:
            return
        self._playing = True
        self.play_button.disabled = True
        self._task = loop.create_task(self._play())

    def pause(self) -> None:
        """Stop playing after the current frame (its steps are finished and drawn)."""
        self._playing = False
        self.play_button.disabled = False

    @property
    def playing(self) -> bool:
        return self._playing

    async def _play(self):
        self.diverged, self._frame_end = None, None
        try:
            while self._playing:
                if self.controls["slow_motion"].value:
                    await self._slow()
                else:
                    self._frame()
                    await asyncio.sleep(0)  # let the kernel handle clicks and messages
            if self._pending is not None:  # the steps started for the next frame
                self.redraw()
        except TrainingDiverged as error:  # the run is back at its last good state
            self.diverged = error
            self.narration.value = f"<b>stopped</b>: {error}"
            self.redraw()
        finally:
            self._playing = False
            self.play_button.disabled = False

    def _frame(self) -> None:
        """One pipelined frame: the steps started last frame (or now, at the first) are drawn
        while the next frame's steps train on the device; then the frame's period and drawing
        time adjust the next frame's steps (``auto_steps``)."""
        run = self.run
        pending = self._pending[1] if self._pending and self._pending[0] is run else None
        self._pending = None
        n = self._frame_steps()
        if pending is None:
            pending = run.start_steps(n)
        views = self._frame_numbers(pending.after)  # queued before the next steps
        start = time.perf_counter()  # starting steps may wait for the device too
        following = run.start_steps(n)
        run.collect_steps(pending)  # waits for the device; a NaN raises TrainingDiverged
        self._pending = (run, following)
        numbers = tuple(np.asarray(a) for a in views)
        drawn = time.perf_counter()
        self.last_timing = {"wait": 1e3 * (drawn - start)}
        self.redraw(numbers, step=pending.start + pending.steps)
        now = time.perf_counter()
        period, self._frame_end = (None if self._frame_end is None else now - self._frame_end,
                                   now)
        if period is not None:
            self._rate = pending.steps / period
            # A frame that redrew the whole figure (new axis limits) says nothing of the pace.
            if self.controls["auto_steps"].value and not self._background_drawn:
                self._adapt(pending.steps, period, drawn - start)

    def _frame_steps(self) -> int:
        return int(self.controls["steps_per_frame"].value)

    def _adapt(self, steps: int, period: float, wait: float) -> None:
        """Next frame's steps from the last frame's ``period`` and the time ``wait`` the host
        spent starting steps and waiting for them (seconds). When that took a good part of
        the frame, training set the pace: take as many steps as the device trains in max(a
        frame's budget, the host's own time). Otherwise the device had time to spare: while
        frames come faster than 1.2 budgets, as many steps as fit the budget and at least one
        chunk more; else the host's drawing sets the pace and the steps stay. Whole chunks
        (tens below one chunk), at most ``_AUTO_CHUNKS`` chunks."""
        chunk = self.run.config.chunk_size
        if wait > 0.25 * period:
            target = steps * max(_FRAME_SECONDS, period - wait) / period
        elif period < 1.2 * _FRAME_SECONDS:  # frames to spare: try one chunk more
            target = max(steps * _FRAME_SECONDS / period, steps + chunk)
        else:  # the host's drawing sets the pace and the device keeps up: stay
            target = steps
        target = min(target, _AUTO_CHUNKS * chunk)
        quantum = chunk if target >= chunk else 10
        target = int(min(max(round(target / quantum) * quantum, _MIN_STEPS), _MAX_STEPS))
        self._holding = True
        try:
            self.controls["steps_per_frame"].value = target
        finally:
            self._holding = False

    async def _slow(self):
        for _ in self._stages():
            await asyncio.sleep(0.7)

    # ---- figure -----------------------------------------------------------------------------

    def _build_figure(self) -> None:
        one_d = self.p_data.dim == 1
        with _lecture_style():
            fig = Figure(figsize=(13.0, 4.3), dpi=self._dpi, layout="constrained")
            FigureCanvasAgg(fig)
            ax_view, ax_loss, ax_metric = fig.subplots(1, 3, width_ratios=[1.25, 1, 1])
            art = {}
            if one_d:
                xs = np.asarray(self.xs)
                (art["p_data"],) = ax_view.plot(xs, self._p_data_curve, **plots.STYLE["p_data"])
                (art["p_g"],) = ax_view.plot(xs, np.zeros_like(xs), **plots.STYLE["p_g"])
                ax_d = ax_view.twinx()
                ax_d.spines["right"].set_visible(True)
                ax_d.axhline(0.5, **plots.STYLE["half"])
                (art["d"],) = ax_d.plot(xs, np.zeros_like(xs), **plots.STYLE["d"])
                (art["d_star"],) = ax_d.plot(xs, np.zeros_like(xs), **plots.STYLE["d_star"])
                ax_d.set_ylim(-0.03, 1.03)
                ax_d.set_ylabel("D(x)")
                ax_view.set_xlim(*self.limits)
                ax_view.set_ylim(0, 1.3 * self._p_data_curve.max())
                ax_view.set_xlabel("x")
                ax_view.set_ylabel("density")
                ax_view.legend(handles=[art["p_data"], art["p_g"], art["d"], art["d_star"]],
                               loc="upper left", fontsize=10, frameon=False)
                self._d_axis = ax_d
                (art["metric"],) = ax_metric.plot([], [], **plots.STYLE["jsd"])
                ax_metric.set_ylabel("JSD (nats)")
                ax_metric.axhline(div.LOG2, **plots.STYLE["half"])
            else:
                art.update(plots.draw_plane(ax_view, self.limits, n_grid=_N_PLANE))
                plots.update_plane(art, real=self._real)
                ax_view.legend(loc="upper left", fontsize=10, markerscale=1.5,
                               bbox_to_anchor=(0.0, 1.12), ncols=2, frameon=False)
                (art["metric"],) = ax_metric.plot([], [], color=plots.PALETTE["vermillion"],
                                                  label="modes")
                ax_hq = ax_metric.twinx()
                ax_hq.spines["right"].set_visible(True)
                (art["hq"],) = ax_hq.plot([], [], color=plots.PALETTE["sky"], linestyle="--",
                                          label="% within 3σ")
                ax_hq.set_ylim(0, 105)
                ax_hq.set_ylabel("% of samples within 3σ", fontsize=12)
                ax_hq.set_autoscale_on(False)
                self._hq_axis = ax_hq
                modes = _modes(self.p_data)[0]
                n_modes = 0 if modes is None else len(modes)
                ax_metric.set_ylabel(f"modes captured (of {n_modes})", fontsize=12)
                ax_metric.legend(handles=[art["metric"], art["hq"]], loc="lower right",
                                 fontsize=10, frameon=False)
            (art["d_loss"],) = ax_loss.plot([], [], color=plots.PALETTE["blue"], label="D loss")
            (art["g_loss"],) = ax_loss.plot([], [], color=plots.PALETTE["green"], label="G loss")
            ax_loss.legend(loc="upper right", fontsize=10, frameon=False)
            ax_loss.set_xlabel("step")
            ax_metric.set_xlabel("step")
            for ax in (ax_view, ax_loss, ax_metric):
                ax.set_autoscale_on(False)
            fig.canvas.draw()
        fig.set_layout_engine("none")
        for artist in art.values():
            artist.set_animated(True)
        self.figure, self.artists = fig, art
        self.axes = {"view": ax_view, "loss": ax_loss, "metric": ax_metric}
        self._backgrounds = {}
        self._limits_key = None  # new axes: limits set by the next redraw
        self._background_drawn = False

    def _frame_numbers(self, state=None, fake_override=None):
        """(fakes, warped grid, D on the plane or line, ∇ₓD at the first fakes) as device
        arrays, of the run's networks or of ``state`` (a :class:`PendingSteps`' ``after``);
        with ``fake_override`` the arrows are drawn at those points instead."""
        if state is None:
            (g_graph, g_state), (d_graph, d_state) = (nnx.split(self.run.generator),
                                                      nnx.split(self.run.discriminator))
            self._graphs = (self.run, g_graph, d_graph)
        else:  # playing: the modules are not touched (see GANRun._nets), their graphs reused
            if self._graphs[0] is not self.run:
                self._graphs = (self.run, nnx.graphdef(self.run.generator),
                                nnx.graphdef(self.run.discriminator))
            g_graph, d_graph = self._graphs[1:]
            g_state, d_state = state["generator"], state["discriminator"]
        fakes, lines, d_plane, grads = _views(
            g_graph, d_graph, g_state, d_state, self._z, self._z_lines, self._plane,
            self.config.pack, get_loss(self.run.config.loss).probabilities)
        if fake_override is not None and self.p_data.dim == 2:
            at = np.asarray(fake_override[:_N_ARROWS])
            grads = jax.grad(lambda x: jnp.sum(self.run.discriminate(x)))(jnp.asarray(at))
            self._set_arrows(at, np.asarray(grads))
            self._blit()
        return fakes, lines, d_plane, grads

    def _set_arrows(self, at, grads):
        norms = np.linalg.norm(grads, axis=-1)
        top = float(norms.max()) if norms.size and norms.max() > 0 else 1.0
        length = 0.12 * (self.limits[1] - self.limits[0])
        plots.update_plane(self.artists, arrow_at=at, arrow_vectors=grads / top * length)
        self.artists["arrows"].set_animated(True)

    def _record(self, numbers=None, step=None) -> dict:
        """Measure the generator (JSD in 1D, mode coverage in 2D) from a frame's ``numbers``
        (default: the networks now) and append it to :attr:`trace` at ``step`` (default: the
        run's step), once per step count; returns the measures (and, in 1D, p_G and D*)."""
        step = self.run.step if step is None else step
        if numbers is None:
            numbers = tuple(np.asarray(a) for a in self._frame_numbers())
        fakes = numbers[0]
        out = {}
        if self.p_data.dim == 1:
            density = metrics.kde(fakes[:, 0], self.xs).astype(np.float64)
            with np.errstate(divide="ignore"):
                jsd, d_star = div.jsd_and_dstar_on_host(self._lp_data, np.log(density),
                                                        self._log_w)
            p_g = density / np.sum(density * np.exp(self._log_w))  # integrates to 1 on xs
            out = {"jsd": jsd, "p_g": p_g, "d_star": d_star}
        else:
            modes, scale = _modes(self.p_data)
            if modes is not None:
                captured, hq = metrics.mode_coverage(fakes, modes, scale)
                out = {"modes": captured, "n_modes": len(modes), "high_quality": hq}
        if not self.trace["step"] or self.trace["step"][-1] != step:
            self.trace["step"].append(step)
            for name in self.trace:
                if name != "step":
                    self.trace[name].append(out[name])
        return out

    def redraw(self, numbers=None, step=None) -> None:
        """Compute every view of the current networks and redraw the figure and readout.

        (Playing passes a frame's ``numbers`` from :meth:`_frame_numbers` and its ``step``.)
        """
        t0 = time.perf_counter()
        if numbers is None:
            self._settle()
            numbers = tuple(np.asarray(a) for a in self._frame_numbers())
        step = self.run.step if step is None else step
        fakes, lines, d_plane, grads = numbers
        h = self.run.history
        last = {name: float(h[name][-1]) if len(h[name]) else float("nan") for name in h}
        measured = self._record(numbers, step)
        self.values = {"step": step, **last,
                       **{k: v for k, v in measured.items() if k not in ("p_g", "d_star")}}
        art = self.artists
        if self.p_data.dim == 1:
            art["p_g"].set_ydata(measured["p_g"])
            art["d"].set_ydata(d_plane)
            art["d_star"].set_ydata(np.asarray(measured["d_star"]))
            art["metric"].set_data(self.trace["step"], self.trace["jsd"])
            metric_top = div.LOG2 * 1.05
        else:
            if self.run.config.loss == "wasserstein_gp":  # only differences mean something
                d_plane = (d_plane - d_plane.min()) / max(float(np.ptp(d_plane)), 1e-12)
            plots.update_plane(art, d_plane=d_plane.reshape(_N_PLANE, _N_PLANE),
                               fake=fakes[:_N_FAKE_SHOWN], lines=lines, real=self._real)
            self._set_arrows(fakes[:_N_ARROWS], grads)
            modes = _modes(self.p_data)[0]
            if modes is not None:
                art["metric"].set_data(self.trace["step"], self.trace["modes"])
                art["hq"].set_data(self.trace["step"], 100 * np.asarray(self.trace["high_quality"]))
            metric_top = len(modes) * 1.05 if modes is not None else 1.0
        steps, d_loss = _curve(h["d_loss"])
        art["d_loss"].set_data(steps, d_loss)
        art["g_loss"].set_data(*_curve(h["g_loss"]))
        t1 = time.perf_counter()
        losses = np.concatenate([d_loss, _curve(h["g_loss"])[1]]) if len(d_loss) else [1.0]
        finite = np.asarray(losses)[np.isfinite(losses)]
        low = min(0.0, -_nice_limit(-finite.min())) if finite.size and finite.min() < 0 else 0.0
        high = _nice_limit(finite.max() if finite.size else 1.0)
        x_top = _nice_limit(max(step, 100))
        previous = self._limits_key
        if self._playing and previous is not None:
            # While playing the loss axis only widens: a full redraw of the figure for new
            # limits costs a few frames' time, and block means of the losses flicker
            # across the 1-2-5 steps. Pausing or stepping fits it again.
            low, high = min(low, previous[1]), max(high, previous[2])
        self._set_limits((x_top, low, high, metric_top))
        self._blit()
        t2 = time.perf_counter()
        self.image.value = _png_bytes(np.asarray(self.figure.canvas.buffer_rgba()))
        self.readout.value = self._readout_html()
        self.frames += 1
        t3 = time.perf_counter()
        self.last_timing = {**getattr(self, "last_timing", {}), "views": 1e3 * (t1 - t0),
                            "draw": 1e3 * (t2 - t1), "encode": 1e3 * (t3 - t2)}

    def _set_limits(self, key):
        x_top, low, high, metric_top = key
        if key == self._limits_key:
            return
        self._limits_key = key
        self.axes["loss"].set_xlim(0, x_top)
        self.axes["loss"].set_ylim(low, high)
        self.axes["metric"].set_xlim(0, x_top)
        self.axes["metric"].set_ylim(0, metric_top)
        if self.p_data.dim == 2:
            self._hq_axis.set_xlim(0, x_top)

    def _blit(self):
        """Stored background for the current axis limits, then the animated artists."""
        canvas, key = self.figure.canvas, self._limits_key
        self._background_drawn = key not in self._backgrounds
        if self._background_drawn:
            with _lecture_style():
                canvas.draw()
            self._backgrounds = {key: canvas.copy_from_bbox(self.figure.bbox)}
        canvas.restore_region(self._backgrounds[key])
        for artist in self.artists.values():
            self.figure.draw_artist(artist)

    def _readout_html(self) -> str:
        v, c = self.values, self.run.config
        rows = [("step", f"{v['step']:,}"), ("D loss", f"{v['d_loss']:.3f}"),
                ("G loss", f"{v['g_loss']:.3f}"), ("mean D(x), data", f"{v['d_real']:.3f}"),
                ("mean D(G(z))", f"{v['d_fake']:.3f}")]
        if "jsd" in v:
            rows.append(("JSD(p<sub>data</sub> ‖ p<sub>G</sub>)", plots.format_nats(v["jsd"])))
        if "modes" in v:
            rows += [("modes captured", f"{v['modes']}/{v['n_modes']}"),
                     ("within 3σ of a mode", f"{100 * v['high_quality']:.1f} %")]
        rows.append(("loss, k", f"{c.loss}, {c.k}"))
        return readout_table(rows, font_size=14)

    # ---- display ----------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop playing and close every widget of the trainer."""
        self.pause()
        close_tree(self.widget)

    def __repr__(self) -> str:
        return (f"GANTrainer(data={self.controls['data'].value!r}, step={self.run.step}, "
                f"config={self.run.config!r})")
