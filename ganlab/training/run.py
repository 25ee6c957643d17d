"""A GAN run: :class:`GANRun`, the object that holds the networks, the
history and the snapshots, trains further, and answers queries (samples, D's output).

Training calls the compiled chunks of :mod:`ganlab.training.step` (Algorithm 1 is
:func:`~ganlab.training.step.algorithm1_step`); between chunks the host checks the losses for
NaN, stores snapshots, moves the progress bar and calls the callback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab.loop import TrainingDiverged, append_history, drive, first_nonfinite
from ganlab.losses import get_loss, switch_index
from ganlab.models import Discriminator, Generator, label_planes, with_labels
from ganlab.training.config import HISTORY_KEYS, GANConfig
from ganlab.training.data import Minibatches, make_source, noise, step_key
from ganlab.training.step import NO_AVERAGE, Nets, drawer, initializer, program, set_adam
from ganlab.validate import integer, positive_int

__all__ = ["GANRun", "PendingSteps"]


@jax.jit(static_argnums=0)
def _apply(graphdef, state, x):
    return nnx.merge(graphdef, state)(x)


def _numpy_state(module) -> nnx.State:
    return jax.tree.map(lambda a: np.array(a, copy=True), nnx.state(module))


class PendingSteps(NamedTuple):
    """Steps started by :meth:`GANRun.start_steps` and not yet checked: steps ``start+1 …
    start+steps``; ``before`` and ``after``: the state of the run's networks and optimisers
    before and after them (``after["generator"]`` etc.; device arrays, maybe still being
    computed); ``rows``: ``[(history rows (chunk_size, 4), rows used), ...]``, one per call."""

    start: int
    steps: int
    before: nnx.State
    after: nnx.State
    rows: list


class GANRun:
    """A GAN being trained or trained: networks, history, snapshots, and ways to query them.

    Attributes: ``config``; ``generator`` and ``discriminator`` (NNX modules); ``step`` (steps
    taken); ``history`` (dict of float32 numpy arrays, one entry per step, keys
    :data:`HISTORY_KEYS`); ``snapshots`` ({step: {"generator": State, "discriminator": State}}
    with numpy arrays; step 0 is the initialisation); ``data_dim`` (d, or ``(h, w, c)`` for
    images). ``GANRun(config, data)`` (``labels=`` for a conditional image GAN) builds the
    networks without training; :meth:`train` trains.
    """

    def __init__(self, config: GANConfig, data=None, *, labels=None,
                 data_dim: int | tuple | None = None):
        if not isinstance(config, GANConfig):
            raise ValueError(f"config must be a GANConfig, got {type(config).__name__}")
        self.config = config
        self._source = None if data is None else make_source(data, labels, config.n_classes)
        if self._source is not None:  # images: (h, w, c), without the label planes
            shape = self._source.shape
            data_dim = shape[0] if len(shape) == 1 else (*shape[:2], shape[2] - config.n_classes)
        if data_dim is None:
            raise ValueError("GANRun needs data (or data_dim to rebuild a saved run)")
        self.data_dim = tuple(map(int, data_dim)) if isinstance(data_dim, (tuple, list)) \
            else int(data_dim)
        if isinstance(self.data_dim, tuple) and config.pack != 1:
            raise ValueError(f"pack={config.pack} is for point data; image GANs need pack=1")
        if isinstance(self.data_dim, tuple) and config.noise == "mixture":
            raise ValueError("noise='mixture' is for point data; image GANs take 'gaussian' "
                             "or 'uniform' noise")
        if isinstance(self.data_dim, tuple):  # images: [0, 1] <-> [-1, 1] in the networks
            loc = scale = np.full(self.data_dim, 0.5)
        elif self._source is not None and config.standardize:
            loc, scale = self._source.loc, self._source.scale
        else:
            loc, scale = np.zeros(self.data_dim), np.ones(self.data_dim)
        f32 = lambda *v: jnp.asarray(v, jnp.float32)  # noqa: E731
        state, self._train_key, self._graphdef = initializer(config, self.data_dim)(
            jax.random.key(config.seed), f32(*loc), f32(*scale),
            f32(config.lr_generator, config.beta1, config.beta2),
            f32(config.lr_discriminator, config.beta1, config.beta2))
        self._modules = nnx.merge(self._graphdef, state)
        self._latest = None  # a newer state than _modules', set by start_steps (see _nets)
        self.step = 0
        self.history = {name: np.zeros(0, np.float32) for name in HISTORY_KEYS}
        self.snapshots: dict[int, dict] = {}

    @property
    def _nets(self) -> Nets:
        """Both networks and optimisers, with the newest state.

        :meth:`start_steps` keeps the state its steps will end with as a plain pytree and
        writes it into the modules only when they are next asked for, here: a player that
        starts frame after frame of steps and draws from their states (as the live trainer
        does) then never pays for ``nnx.state``/``nnx.update`` between frames.
        """
        self._flush()
        return self._modules

    def _flush(self) -> None:
        """Write the state kept by :meth:`start_steps` into the modules (see ``_nets``)."""
        if self._latest is not None:
            nnx.update(self._modules, self._latest)
            self._latest = None

    def _state(self):
        """The newest state as a pytree of its own (not a live view of the modules)."""
        if self._latest is not None:
            return self._latest
        return jax.tree.map(lambda a: a, nnx.state(self._modules))

    @property
    def generator(self) -> Generator:
        return self._nets.generator

    @property
    def discriminator(self) -> Discriminator:
        return self._nets.discriminator

    @property
    def optimizer_steps(self) -> dict[str, int]:
        """Adam updates taken so far by each network (the discriminator's is k × the G's)."""
        return {"generator": int(self._nets.opt_generator.step[...]),
                "discriminator": int(self._nets.opt_discriminator.step[...])}

    @property
    def optimizers(self) -> dict[str, nnx.Optimizer]:
        """The two Adam optimisers (``"generator"``, ``"discriminator"``), state included.

        Learning rate and betas are in their state (``optax.inject_hyperparams``). Training
        updates them in place; ``nnx.clone`` them to take steps of your own.
        """
        return {"generator": self._nets.opt_generator,
                "discriminator": self._nets.opt_discriminator}

    def minibatches(self, step: int) -> Minibatches:
        """The random inputs training step ``step`` (1-based) uses: :class:`Minibatches`.

        The very arrays :meth:`train` draws inside its compiled loop (the same function and
        key), so a hand-written step of Algorithm 1 fed with them can be checked against
        ``train(1)``: the next step is ``run.step + 1``. Shapes: ``reals`` ``(k, m, d)``,
        ``d_noise`` ``(k, m, latent_dim)``, ``g_noise`` ``(m, latent_dim)``.
        """
        step = positive_int("step", step)
        if self._source is None:
            raise ValueError("this run has no data to draw minibatches from; load it with "
                             "load_run(path, data=...)")
        return drawer(self.config, self._source)(self._source.arrays,
                                                  step_key(self._train_key, step))

    def set_learning_rates(self, lr_generator: float | None = None,
                           lr_discriminator: float | None = None) -> None:
        """Change the learning rates for the next steps (no recompilation); updates config."""
        self.config = self.config.replace(
            lr_generator=self.config.lr_generator if lr_generator is None else lr_generator,
            lr_discriminator=(self.config.lr_discriminator if lr_discriminator is None
                              else lr_discriminator))
        c = self.config
        set_adam(self._nets.opt_generator, c.lr_generator, c.beta1, c.beta2)
        set_adam(self._nets.opt_discriminator, c.lr_discriminator, c.beta1, c.beta2)

    def reset_optimizers(self) -> None:
        """Give both Adam optimisers a fresh state, as at creation: moment estimates and
        bias-correction counts back to 0. Learning rates and betas stay as they are, and so
        do the update counts of :attr:`optimizer_steps`. Use it after a phase with other
        learning rates (a warm-up), so that no moments from that phase carry over."""
        for opt in (self._nets.opt_generator, self._nets.opt_discriminator):
            fresh = (opt.opt_state.count, opt.opt_state.inner_state)
            for var in jax.tree.leaves(fresh, is_leaf=lambda v: isinstance(v, nnx.Variable)):
                var[...] = jnp.zeros_like(var[...])

    # -- queries --------------------------------------------------------------------------

    def _module(self, which: str, step: int | None):
        graphdef, state = nnx.split(getattr(self._nets, which))
        if step is None:
            return graphdef, state
        if step not in self.snapshots:
            raise ValueError(f"no snapshot at step {step}; snapshots: {sorted(self.snapshots)}")
        return graphdef, jax.tree.map(jnp.asarray, self.snapshots[step][which])

    def sample(self, n: int, key: jax.Array, *, step: int | None = None,
               labels=None) -> jax.Array:
        """``n`` generator samples, shape ``(n, d)``, or images ``(n, h, w, c)`` in [0, 1];
        ``step`` picks a snapshot. A conditional GAN draws one image of each of ``labels``
        (integers ``(n,)`` or one integer; default: labels drawn uniformly with ``key``)."""
        n = positive_int("n", n)
        z = noise(self.config.noise, key, (n, self.config.latent_dim), self.config.n_components)
        if self.config.n_classes and labels is None:
            labels = jax.random.randint(jax.random.fold_in(key, 1), (n,), 0,
                                        self.config.n_classes)
        return self.generate(z, step=step, labels=labels)

    def generate(self, z, *, step: int | None = None, labels=None) -> jax.Array:
        """G(z) for given noise ``z`` ``(n, noise_dim)`` (``latent_dim`` entries, plus the
        code's one-hot vector first with mixture noise; e.g. a fixed batch, or points on a
        line between two noise vectors): ``(n, d)`` or images ``(n, h, w, c)``. A conditional
        GAN needs ``labels`` (integers ``(n,)`` or one integer)."""
        z = jnp.asarray(z, jnp.float32)
        if z.ndim != 2 or z.shape[1] != self.config.noise_dim:
            raise ValueError(f"z must have shape (n, {self.config.noise_dim}), "
                             f"got {tuple(z.shape)}")
        labels = self._labels(labels, z.shape[0])
        if labels is None:
            return _apply(*self._module("generator", step), z)
        out = _apply(*self._module("generator", step), with_labels(z, labels,
                                                                   self.config.n_classes))
        return out[..., : out.shape[-1] - self.config.n_classes]

    def _labels(self, labels, n: int) -> jax.Array | None:
        """Validated labels ``(n,)`` of a conditional GAN; None for an unconditional one."""
        n_classes = self.config.n_classes
        if not n_classes:
            if labels is not None:
                raise ValueError("labels are for conditional GANs (config.n_classes > 0)")
            return None
        lab = None if labels is None else np.asarray(labels)
        if lab is None or not np.issubdtype(lab.dtype, np.integer) or lab.ndim > 1 \
                or (lab.ndim == 1 and lab.shape[0] != n) or lab.min() < 0 \
                or lab.max() >= n_classes:
            raise ValueError(f"this conditional GAN needs labels=: one integer or {n} integers "
                             f"in [0, {n_classes}), got {labels!r}")
        return jnp.broadcast_to(jnp.asarray(lab, jnp.int32), (n,))

    def logits(self, x, *, step: int | None = None, labels=None) -> jax.Array:
        """The discriminator's raw output at ``x`` ``(n, d)`` (or ``(n,)`` in 1D) -> ``(n,)``.

        Images: ``x`` ``(n, h, w, c)`` in [0, 1]; a conditional GAN's discriminator judges
        them as images of ``labels`` (integers ``(n,)`` or one integer).

        A packed discriminator (``config.pack`` > 1) judges ``pack`` samples at once; here it
        judges a pack of ``pack`` copies of each point, ``(n, pack · d)``, which is how real a
        generator that put all its mass on that point would look.
        """
        x = jnp.asarray(x, jnp.float32)
        if isinstance(self.data_dim, tuple):
            if x.ndim != 4 or tuple(x.shape[1:]) != self.data_dim:
                raise ValueError(f"x must be images of shape (n, *{self.data_dim}), "
                                 f"got {tuple(x.shape)}")
            labels = self._labels(labels, x.shape[0])
            if labels is not None:
                planes = jax.nn.one_hot(labels, self.config.n_classes)
                x = jnp.concatenate([x, label_planes(planes, *self.data_dim[:2])], axis=-1)
            return _apply(*self._module("discriminator", step), x)
        self._labels(labels, x.shape[0])
        if x.ndim == 1 and self.data_dim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.data_dim:
            raise ValueError(f"x must have shape (n, {self.data_dim}), got {tuple(x.shape)}")
        return _apply(*self._module("discriminator", step), jnp.tile(x, (1, self.config.pack)))

    def discriminate(self, x, *, step: int | None = None, labels=None) -> jax.Array:
        """D(x), shape ``(n,)``, for ``x`` of shape ``(n, d)`` (or ``(n,)`` in 1D).

        Cross-entropy losses: the probability sigmoid(logit) that x is real. least_squares:
        the raw output, trained towards 1 on data and 0 on fakes (its optimum is also
        p_data / (p_data + p_G)). wasserstein_gp: the raw critic value (not a probability;
        only differences between points mean something).
        """
        out = self.logits(x, step=step, labels=labels)
        return jax.nn.sigmoid(out) if get_loss(self.config.loss).probabilities else out

    # -- training -------------------------------------------------------------------------

    def train(self, steps: int, *, snapshots: Iterable[int] = (), callback=None,
              progress: bool = True, average_last: int = 0) -> GANRun:
        """Take ``steps`` more training steps (see :func:`train_gan`); returns self.

        ``average_last`` > 0: the generator ends with the mean of its parameters after each of
        the last ``average_last`` steps (Polyak averaging, computed inside the compiled loop,
        so the result does not depend on ``chunk_size``).
        """
        steps = positive_int("steps", steps)
        if self._source is None:
            raise ValueError("this run has no data to train on; load it with load_run(path, "
                             "data=...) to continue training")
        end = self.step + steps
        average_from = _average_from(average_last, steps, end)
        wanted = _snapshot_steps(snapshots, self.step, end)
        if self.step in wanted:
            self._snapshot()

        def advance(step: int, n: int) -> bool:
            # Read the state afresh: a callback may have changed it (learning rates).
            self.collect_steps(self.start_steps(n, average_from=average_from))
            if self.step in wanted:
                self._snapshot()
            return callback is None or callback(self) is not False

        drive(advance, self.step, end, self.config.chunk_size, stops=wanted,
              desc="training GAN", progress=progress)
        if average_from != NO_AVERAGE:
            self.use_average()
        return self

    def use_average(self) -> None:
        """Give the generator the running mean of its parameters (see ``train``)."""
        nets = self._nets
        nnx.update(nets.generator, nnx.state(nets.generator_average, nnx.Param))

    # -- the whole state, for checkpoints -------------------------------------------------

    def export_state(self) -> nnx.State:
        """Every array of the run (networks, optimiser states, the generator's average), as a
        pytree of its own; :meth:`restore` puts such a state back."""
        return jax.tree.map(jnp.asarray, self._state())

    def restore(self, state: nnx.State, *, step: int, history: dict) -> None:
        """Set the networks and optimisers to ``state`` (as :meth:`export_state` gives) and
        the run's ``step`` and ``history`` (``{key: (step,) array}`` for :data:`HISTORY_KEYS`)."""
        self._latest = None
        nnx.update(self._modules, state)
        self.step = integer("step", step, low=0)
        self.history = {n: np.asarray(history.get(n, np.zeros(0)), np.float32)
                        for n in HISTORY_KEYS}

    def start_steps(self, steps: int, *, average_from: int = NO_AVERAGE) -> PendingSteps:
        """Start the next ``steps`` training steps and return without waiting for them.

        JAX computes asynchronously: the networks hold their new state at once (arrays still
        being computed) and ``step`` counts the new steps, so more steps can be started, or
        the host can draw, while the device trains. :meth:`collect_steps` (in the order the
        steps were started) waits for their history rows, checks them and appends them to
        ``history``. ``train`` is ``collect_steps(start_steps(n))`` chunk by chunk. Steps
        after step ``average_from`` update the generator's running average (see ``train``).
        """
        steps = positive_int("steps", steps)
        if self._source is None:
            raise ValueError("this run has no data to train on; load it with load_run(path, "
                             "data=...) to continue training")
        chunk = program(self.config, self._source, self._graphdef)
        before = state = self._state()
        rows, size = [], self.config.chunk_size
        for first in range(self.step, self.step + steps, size):
            n = min(size, self.step + steps - first)
            state, out = chunk(state, self._source.arrays, self._train_key, jnp.int32(first),
                               jnp.int32(n), jnp.int32(average_from),
                               switch_index(self.config.loss))
            rows.append((out, n))
        self._latest = state  # written into the modules when they are next used
        self.step += steps
        return PendingSteps(self.step - steps, steps, before, state, rows)

    def collect_steps(self, pending: PendingSteps) -> None:
        """Wait for steps started by :meth:`start_steps` and append their rows to ``history``.
        A NaN or infinite loss puts the networks back as they were before ``pending`` (steps
        started after it are dropped) and raises :class:`TrainingDiverged` with the bad step."""
        rows = np.concatenate([np.asarray(out)[:n] for out, n in pending.rows])
        if first_nonfinite(rows, (0, 1)) is not None:
            self._latest = pending.before
            self.step = pending.start
            self._flush()
            self._check_finite(rows)
        self.history = append_history(self.history, HISTORY_KEYS, rows)
        if self._latest is pending.after:  # no newer steps started: update the modules now
            self._flush()

    def _snapshot(self):
        self.snapshots[self.step] = {"generator": _numpy_state(self.generator),
                                     "discriminator": _numpy_state(self.discriminator)}

    def _check_finite(self, rows: np.ndarray):
        bad = first_nonfinite(rows, (0, 1))
        if bad is None:
            return
        i, column = bad
        step = self.step + i + 1
        history = append_history(self.history, HISTORY_KEYS, rows[: i + 1])
        c = self.config
        tips = [f"lower the learning rates (now lr_generator={c.lr_generator:g}, "
                f"lr_discriminator={c.lr_discriminator:g})"]
        if c.loss == "minimax":
            tips.append("use loss='non_saturating'")
        if c.k > 1:
            tips.append("a smaller k")
        if not c.standardize:
            tips.append("standardize=True")
        raise TrainingDiverged(
            f"training diverged at step {step}: the "
            f"{'discriminator' if column == 0 else 'generator'} loss became {rows[i, column]}. "
            "Try: " + "; ".join(tips) + ".", step, history, self)


def _average_from(average_last, steps: int, end: int) -> int:
    """The step after which the running average starts, or NO_AVERAGE."""
    average_last = integer("average_last", average_last, low=0, high=steps,
                           note="(0: no averaging; at most the steps trained)")
    return end - average_last if average_last else NO_AVERAGE


def _snapshot_steps(snapshots, start: int, end: int) -> set[int]:
    return {integer("every snapshot step", s, low=start, high=end) for s in snapshots}
