"""Train a GAN with Algorithm 1 of Goodfellow et al. (2014), compiled into long device loops.

One *step* is one training iteration of Algorithm 1:

1. k times: draw a fresh minibatch of m data points and m noise vectors, and take one Adam
   step on the discriminator's loss (ascent on V);
2. draw fresh noise and take one Adam step on the generator's loss.

Speed comes from the functional loop of the Flax performance guide: the networks and their
optimisers are split into a static graph and a pytree of arrays once; a ``jax.jit``-ed function
merges them, runs a whole *chunk* of steps in one ``lax.fori_loop`` (the while loop that
``lax.scan`` lowers to, with a trip count that is an argument, so chunks of any length share one
compiled program) and returns the new arrays plus each step's losses; ``nnx.update`` writes the
arrays back. Between chunks the host checks the losses for NaN, stores snapshots, moves the
progress bar and calls the callback. Compiled chunks are kept in a module-level cache keyed by
everything that changes the program (not the learning rates, betas or seed: those are data), so
a second run of the same configuration compiles nothing, and JAX's persistent cache serves new
processes.

Shapes: data is a ganlab distribution or an array ``(n, d)``; the generator maps noise
``(m, latent_dim)`` to ``(m, d)``; the discriminator maps ``(m, d)`` to logits ``(m,)``.
Images ``(n, h, w, c)`` in [0, 1] get the convolutional networks of
:mod:`ganlab.models.image_gan` (``(m, latent_dim)`` -> ``(m, h, w, c)`` -> ``(m,)``), optionally
conditional on labels.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from ganlab.distributions import Distribution, IsotropicNormal, Mixture, Normal, Uniform
from ganlab.loop import (
    COMPILER_OPTIONS,
    Config,
    append_history,
    drive,
    first_nonfinite,
    lru,
    positive_float,
    positive_int,
)
from ganlab.losses import get_loss, gradient_penalty, r1_penalty
from ganlab.models import (ACTIVATIONS, Discriminator, Generator, ImageDiscriminator,
                           ImageGenerator, check_hidden, label_planes, with_labels)
from ganlab.models.conv import NORMS

__all__ = ["GANConfig", "GANRun", "Minibatches", "TrainingDiverged", "train_gan", "save_run",
           "load_run", "checkpoint_path", "HISTORY_KEYS"]

HISTORY_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")
"""Per-step history: the discriminator's loss (mean over its k steps, gradient penalty
included), the generator's loss, and the mean discriminator output on the real and the fake
minibatch (probabilities for the cross-entropy losses, raw scores otherwise)."""

NOISES = ("gaussian", "uniform", "mixture")


# Validators, the program cache and the compiler options are shared with every trainer.
_positive_int, _positive_float, _lru = positive_int, positive_float, lru
_COMPILER_OPTIONS = COMPILER_OPTIONS


@dataclasses.dataclass(frozen=True)
class GANConfig(Config):
    """Everything that defines a GAN training run; validated on creation.

    ``hidden`` are the hidden-layer widths of both networks unless ``hidden_discriminator`` is
    given; ``noise`` is the generator's input distribution, N(0, I) ("gaussian") or U(−1, 1)
    ("uniform") in ``latent_dim`` coordinates, or "mixture": a discrete code c drawn uniformly
    from ``n_components`` values, given as its one-hot vector, followed by ``latent_dim``
    U(−1, 1) coordinates (G's input has ``n_components + latent_dim`` entries; each code can
    make its own cluster, with no bridge of samples to the others); ``beta1``/``beta2`` are
    Adam's; ``gp_weight`` is λ of the gradient penalty (``wasserstein_gp`` only);
    ``r1_weight`` γ > 0 adds the R1 penalty γ/2 · mean ‖∇ₓ logit D(x)‖² at the real minibatch
    to D's loss (:func:`ganlab.losses.r1_penalty`; 0: off); ``chunk_size`` is the number of
    steps per compiled call (the callback and the progress bar run between chunks);
    ``standardize`` gives both networks the data's mean and standard deviation (G outputs
    mean + std · net(z), D sees (x − mean) / std), so the defaults work whatever the data's
    location and units. ``pack`` is PacGAN's packing degree: the discriminator judges ``pack``
    samples at once, all real or all fake (its input is their ``pack · d`` coordinates side
    by side), so a generator that drops modes makes packs that look less varied than real
    ones; ``batch_size`` must be divisible by ``pack``.

    Image data ``(n, h, w, c)`` get convolutional networks (:mod:`ganlab.models.image_gan`;
    ``hidden`` and ``standardize`` are then unused): ``channels`` are the generator's channels
    from coarse to fine (the discriminator uses them reversed), ``norm`` is ``"none"`` or
    ``"layer"``; ``n_classes`` > 0 makes the GAN conditional on integer labels in
    [0, n_classes) (pass ``labels=`` to :func:`train_gan`).
    """

    loss: str = "non_saturating"
    k: int = 1
    steps: int = 3000
    batch_size: int = 256
    lr_generator: float = 3e-4
    lr_discriminator: float = 1e-3
    latent_dim: int = 1
    hidden: tuple[int, ...] = (32, 32)
    seed: int = 0
    hidden_discriminator: tuple[int, ...] | None = None
    activation: str = "relu"
    noise: str = "gaussian"
    beta1: float = 0.5
    beta2: float = 0.999
    gp_weight: float = 10.0
    chunk_size: int = 250
    standardize: bool = True
    pack: int = 1
    channels: tuple[int, ...] = (64, 32)
    norm: str = "none"
    n_classes: int = 0
    n_components: int = 0
    r1_weight: float = 0.0

    def __post_init__(self):
        get_loss(self.loss)
        for name in ("k", "steps", "batch_size", "latent_dim", "chunk_size", "pack"):
            object.__setattr__(self, name, _positive_int(name, getattr(self, name)))
        if self.batch_size % self.pack:
            raise ValueError(f"batch_size ({self.batch_size}) must be divisible by pack "
                             f"({self.pack}): each minibatch is cut into packs of that size")
        for name in ("lr_generator", "lr_discriminator", "gp_weight"):
            object.__setattr__(self, name, _positive_float(name, getattr(self, name)))
        r1 = self.r1_weight
        if isinstance(r1, bool) or not isinstance(r1, (int, float, np.floating)) or \
                not (np.isfinite(r1) and r1 >= 0):
            raise ValueError(f"r1_weight must be a finite number >= 0 (0: no R1 penalty), "
                             f"got {r1!r}")
        object.__setattr__(self, "r1_weight", float(r1))
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or \
                    not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
            object.__setattr__(self, name, float(value))
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) \
                or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "hidden", check_hidden(self.hidden, "hidden"))
        if self.hidden_discriminator is not None:
            object.__setattr__(self, "hidden_discriminator",
                               check_hidden(self.hidden_discriminator, "hidden_discriminator"))
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of {sorted(ACTIVATIONS)}")
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise ValueError(f"standardize must be True or False, got {self.standardize!r}")
        object.__setattr__(self, "standardize", bool(self.standardize))
        if self.noise not in NOISES:
            raise ValueError(f"unknown noise {self.noise!r}; choose one of {list(NOISES)}")
        if self.noise == "mixture":
            object.__setattr__(self, "n_components",
                               _positive_int("n_components", self.n_components))
        elif self.n_components != 0:
            raise ValueError(f"n_components ({self.n_components!r}) is for noise='mixture' "
                             f"only; leave it 0 with noise={self.noise!r}")
        # Image data only: conv widths (G's, coarse to fine; D's are the reverse), norm, labels.
        object.__setattr__(self, "channels", check_hidden(self.channels, "channels"))
        if not self.channels:
            raise ValueError("channels must list at least one level, e.g. (64, 32)")
        if self.norm not in NORMS:
            raise ValueError(f"unknown norm {self.norm!r}; choose one of {list(NORMS)}")
        if isinstance(self.n_classes, bool) or not isinstance(self.n_classes, (int, np.integer)) \
                or self.n_classes < 0:
            raise ValueError(f"n_classes must be an integer >= 0 (0: not conditional), "
                             f"got {self.n_classes!r}")
        object.__setattr__(self, "n_classes", int(self.n_classes))

    @property
    def d_hidden(self) -> tuple[int, ...]:
        """The discriminator's hidden widths."""
        return self.hidden if self.hidden_discriminator is None else self.hidden_discriminator

    @property
    def noise_dim(self) -> int:
        """Entries of one noise vector: ``n_components + latent_dim`` ("mixture") or
        ``latent_dim``."""
        return self.n_components + self.latent_dim

    def _architecture(self) -> tuple:
        return (self.latent_dim, self.hidden, self.d_hidden, self.activation, self.pack,
                self.channels, self.norm, self.n_classes, self.n_components)


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite. ``step`` is the first bad step (1-based); ``history``
    holds every step up to and including it; ``run`` is left at the last good chunk."""

    def __init__(self, message: str, step: int, history: dict, run: GANRun):
        super().__init__(message)
        self.step = step
        self.history = history
        self.run = run


# ---------------------------------------------------------------------------------------------
# Data: where the minibatches come from, drawn on the device inside the compiled loop.


@dataclasses.dataclass(frozen=True)
class _Source:
    """``sample(arrays, key, m)`` -> ``(m, *shape)``; ``fingerprint`` identifies the program;
    ``loc`` and ``scale`` are the data's mean and standard deviation per coordinate."""

    shape: tuple[int, ...]
    arrays: tuple
    sample: Callable
    fingerprint: tuple
    loc: np.ndarray
    scale: np.ndarray


def _fingerprint(obj):
    """A hashable value equal for equal distributions (same type, same parameters)."""
    if isinstance(obj, (bool, int, float, str, type(None))):
        return obj
    if isinstance(obj, (np.ndarray, jax.Array)):
        arr = np.asarray(obj)
        return ("array", arr.shape, arr.dtype.str, arr.tobytes())
    if isinstance(obj, (list, tuple)):
        return tuple(_fingerprint(v) for v in obj)
    if isinstance(obj, Distribution):
        return (type(obj).__qualname__,
                tuple((k, _fingerprint(v)) for k, v in sorted(vars(obj).items())))
    return ("object", id(obj))


def _moments(points) -> tuple[np.ndarray, np.ndarray]:
    points = np.asarray(points, np.float64)
    return points.mean(axis=0), points.std(axis=0)


def _exact_moments(d: Distribution):
    """(mean, variance) per coordinate of the distributions whose moments are known, else None."""
    if isinstance(d, Normal):
        return np.array([d.loc]), np.array([d.scale**2])
    if isinstance(d, Uniform):
        return np.array([(d.low + d.high) / 2]), np.array([(d.high - d.low) ** 2 / 12])
    if isinstance(d, IsotropicNormal):
        return np.asarray(d.loc, np.float64), np.full(d.dim, d.scale**2)
    if isinstance(d, Mixture):
        parts = [_exact_moments(c) for c in d.components]
        if any(p is None for p in parts):
            return None
        w = np.asarray(d.weights, np.float64)[:, None]
        means = np.stack([p[0] for p in parts])
        second = np.stack([p[1] + p[0] ** 2 for p in parts])
        mean = (w * means).sum(axis=0)
        return mean, np.maximum((w * second).sum(axis=0) - mean**2, 0.0)
    return None


def _distribution_moments(d: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per coordinate: exact when known, else from a fixed sample."""
    exact = _exact_moments(d)
    if exact is not None:
        return exact[0], np.sqrt(exact[1])
    return _moments(jax.jit(lambda key: d.sample(key, 8192))(jax.random.key(0)))


_MOMENTS: dict = {}


def _image_source(images: np.ndarray, labels, n_classes: int) -> _Source:
    """Images ``(n, h, w, c)`` in [0, 1], with integer ``labels`` ``(n,)`` when ``n_classes`` > 0
    -> a source of ``(h, w, c + n_classes)`` arrays: each image, then its one-hot label as
    constant planes (the conditional discriminator's input, see ganlab.models.image_gan)."""
    n, h, w, c = images.shape
    if min(images.shape) < 1:
        raise ValueError(f"images are empty (shape {images.shape}); pass at least one image")
    if not (np.all(np.isfinite(images)) and images.min() >= 0.0 and images.max() <= 1.0):
        raise ValueError("images must hold pixel values in [0, 1], like ganlab.datasets.load's")
    arrays = (jnp.asarray(images),)
    if n_classes:
        lab = np.asarray(labels) if labels is not None else None
        if lab is None or lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer) \
                or lab.min() < 0 or lab.max() >= n_classes:
            raise ValueError(f"a conditional GAN (n_classes={n_classes}) needs labels=: "
                             f"{n} integers in [0, {n_classes}), one per image")
        arrays += (jnp.asarray(lab, jnp.int32),)
    elif labels is not None:
        raise ValueError("labels were given but config.n_classes is 0; set n_classes to the "
                         "number of classes to train a conditional GAN")

    def sample(arrays, key, m):
        index = jax.random.randint(key, (m,), 0, arrays[0].shape[0])
        if not n_classes:
            return arrays[0][index]
        planes = label_planes(jax.nn.one_hot(arrays[1][index], n_classes), h, w)
        return jnp.concatenate([arrays[0][index], planes], axis=-1)

    half = np.full((h, w, c), 0.5)  # pixels [0, 1] <-> [-1, 1] inside the networks
    return _Source((h, w, c + n_classes), arrays, sample, ("images", images.shape, n_classes),
                   half, half)


def _make_source(data, labels=None, n_classes: int = 0) -> _Source:
    if isinstance(data, Distribution) and (labels is not None or n_classes):
        raise ValueError("labels and n_classes are for image data (n, h, w, c) only")
    if isinstance(data, Distribution):
        fingerprint = ("distribution", _fingerprint(data))
        if fingerprint not in _MOMENTS:
            _MOMENTS[fingerprint] = _distribution_moments(data)
        loc, scale = _MOMENTS[fingerprint]
        return _Source((data.dim,), (), lambda arrays, key, m: data.sample(key, m),
                       fingerprint, loc, np.where(scale > 0, scale, 1.0))
    try:
        arr = np.asarray(data, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(
            "data must be a ganlab distribution or a numeric array of shape (n, d), "
            f"got {type(data).__name__}") from None
    if arr.ndim == 4:
        return _image_source(arr, labels, n_classes)
    if labels is not None or n_classes:
        raise ValueError("labels and n_classes are for image data (n, h, w, c) only")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"data must be a ganlab distribution, an array of shape (n, d) (or (n,) for 1D) or "
            f"images (n, h, w, c), got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"data is empty (shape {arr.shape}); pass at least one point")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"data holds {bad} NaN or infinite values; remove or replace them")

    def sample(arrays, key, m):
        (points,) = arrays
        return points[jax.random.randint(key, (m,), 0, points.shape[0])]

    loc, scale = _moments(arr)
    return _Source((arr.shape[1],), (jnp.asarray(arr),), sample, ("array", arr.shape),
                   loc, np.where(scale > 0, scale, 1.0))


# ---------------------------------------------------------------------------------------------
# Networks, their initialisation and the compiled chunk; both compiled once per shape.


class _Nets(nnx.Module):
    """The four things one training step changes, in one tree."""

    def __init__(self, config: GANConfig, data_dim: int | tuple, key: jax.Array):
        key_g, key_d = jax.random.split(key)
        if isinstance(data_dim, tuple):  # images (h, w, c): convolutional networks
            self.generator = ImageGenerator(
                config.noise_dim, data_dim, config.channels, config.activation, config.norm,
                config.n_classes, rngs=nnx.Rngs(params=key_g))
            self.discriminator = ImageDiscriminator(
                data_dim, config.channels[::-1], config.norm, config.n_classes,
                rngs=nnx.Rngs(params=key_d))
        else:
            self.generator = Generator(config.noise_dim, data_dim, config.hidden,
                                       config.activation, rngs=nnx.Rngs(params=key_g))
            self.discriminator = Discriminator(data_dim * config.pack, config.d_hidden,
                                               config.activation, rngs=nnx.Rngs(params=key_d))
        # Learning rate and betas live in the optimiser state (arrays, set by _set_adam), not
        # in the program: changing them recompiles nothing.
        adam = optax.inject_hyperparams(optax.adam)
        self.opt_generator = nnx.Optimizer(
            self.generator, adam(learning_rate=1e-3, b1=0.9, b2=0.999), wrt=nnx.Param)
        self.opt_discriminator = nnx.Optimizer(
            self.discriminator, adam(learning_rate=1e-3, b1=0.9, b2=0.999), wrt=nnx.Param)


def _set_adam(optimizer: nnx.Optimizer, lr, b1, b2):
    hyper = optimizer.opt_state.hyperparams
    hyper["learning_rate"][...] = lr
    hyper["b1"][...] = b1
    hyper["b2"][...] = b2


_INITS: collections.OrderedDict = collections.OrderedDict()
_PROGRAMS: collections.OrderedDict = collections.OrderedDict()


def _initializer(config: GANConfig, data_dim: int):
    """``init(key, loc, scale, adam_g, adam_d)`` -> (state, train_key, graphdef), cached.

    One compiled program builds all parameters and optimiser states (instead of dozens of
    small eager programs); ``graphdef`` is shared by every run of this architecture. ``loc``,
    ``scale``: ``(data_dim,)``; ``adam_*``: (learning rate, beta1, beta2).
    """
    arch = (config._architecture(), data_dim if isinstance(data_dim, tuple) else int(data_dim))

    def make():
        graphdefs = []

        def init(key, loc, scale, adam_g, adam_d):
            nets = _Nets(config, data_dim, jax.random.fold_in(key, 0))
            for module, copies in ((nets.generator, 1), (nets.discriminator, config.pack)):
                module.loc[...] = jnp.tile(loc, copies)
                module.scale[...] = jnp.tile(scale, copies)
            _set_adam(nets.opt_generator, *adam_g)
            _set_adam(nets.opt_discriminator, *adam_d)
            graphdef, state = nnx.split(nets)
            graphdefs.append(graphdef)
            return state, jax.random.fold_in(key, 1)

        jitted = jax.jit(init, compiler_options=_COMPILER_OPTIONS)
        return lambda *args: (*jitted(*args), graphdefs[0])

    return _lru(_INITS, arch, make)


def _noise(kind: str, key: jax.Array, shape: tuple[int, ...], n_components: int = 0
           ) -> jax.Array:
    """Generator input of ``shape`` (last axis latent_dim): N(0, 1) or U(−1, 1) entries.

    ``kind="mixture"``: ``(*shape[:-1], n_components + shape[-1])``, the one-hot vector of a
    code drawn uniformly from ``n_components`` values, then U(−1, 1) entries.
    """
    if kind == "mixture":
        if n_components < 1:
            raise ValueError(f"mixture noise needs n_components >= 1, got {n_components!r}")
        key_code, key = jax.random.split(key)
        code = jax.random.randint(key_code, shape[:-1], 0, n_components)
        return jnp.concatenate([jax.nn.one_hot(code, n_components, dtype=jnp.float32),
                                _noise("uniform", key, shape)], axis=-1)
    if kind == "uniform":
        return jax.random.uniform(key, shape, jnp.float32, -1.0, 1.0)
    return jax.random.normal(key, shape, jnp.float32)


class Minibatches(NamedTuple):
    """One training step's fresh random inputs (see :meth:`GANRun.minibatches`).

    ``reals``: ``(k, m, *data_shape)``, the data minibatch of each discriminator step;
    ``d_noise``: ``(k, m, latent_dim)``, the noise each discriminator step feeds G
    (``noise_dim`` entries with mixture noise);
    ``g_noise``: ``(m, latent_dim)``, the noise of the generator step (a conditional GAN's
    noise vectors end with the one-hot label of the fake, ``latent_dim + n_classes`` entries);
    ``penalty_keys``: ``(k,)`` PRNG keys of the gradient penalty (``wasserstein_gp`` only).
    """

    reals: jax.Array
    d_noise: jax.Array
    g_noise: jax.Array
    penalty_keys: jax.Array


def _step_key(train_key: jax.Array, step) -> jax.Array:
    """The key that training step ``step`` (1-based) draws all its minibatches from."""
    return jax.random.fold_in(train_key, step - 1)


def _draw(config: GANConfig, source: _Source, arrays, key: jax.Array) -> Minibatches:
    """One step's fresh minibatches: k × (data, noise, penalty key) for D, noise for G.

    Few calls with big shapes rather than one per minibatch: each call site of the random
    number generator costs compile time.
    """
    k, m = config.k, config.batch_size
    key_data, key_noise, key_gp = jax.random.split(key, 3)
    reals = source.sample(arrays, key_data, k * m).reshape(k, m, *source.shape)
    zs = _noise(config.noise, key_noise, (k + 1, m, config.latent_dim), config.n_components)
    if config.n_classes:  # conditional: the fakes' labels, uniform, one-hot after the noise
        fake_labels = jax.random.randint(jax.random.fold_in(key_noise, 1), (k + 1, m), 0,
                                         config.n_classes)
        zs = with_labels(zs, fake_labels, config.n_classes)
    return Minibatches(reals, zs[:k], zs[k], jax.random.split(key_gp, k))


def _program(config: GANConfig, source: _Source, graphdef):
    """The jitted chunk function for everything in ``config`` that shapes the program."""
    key = (config.loss, config.k, config.batch_size, config.latent_dim, config.hidden,
           config.d_hidden, config.activation, config.noise, config.n_components,
           config.gp_weight, config.r1_weight,
           config.chunk_size, config.pack, config.channels, config.norm, source.shape,
           source.fingerprint)
    return _lru(_PROGRAMS, key, lambda: _build_chunk(graphdef, config, source))


_DRAWERS: collections.OrderedDict = collections.OrderedDict()


def _drawer(config: GANConfig, source: _Source):
    """:func:`_draw` for one step, jitted on its own (for :meth:`GANRun.minibatches`), cached."""
    key = (config.k, config.batch_size, config.latent_dim, config.noise, config.n_components,
           source.shape, source.fingerprint)
    return _lru(_DRAWERS, key, lambda: jax.jit(functools.partial(_draw, config, source),
                                                compiler_options=_COMPILER_OPTIONS))


_PREDRAW_BYTES = 64 * 2**20  # draw a chunk's minibatches up front when they fit in this



def _packed(x: jax.Array, pack: int) -> jax.Array:
    """``(m, *shape)`` -> ``(m // pack, pack · size)``: consecutive samples side by side.
    ``pack == 1`` leaves ``x`` as it is (images keep their shape)."""
    return x if pack == 1 else x.reshape(x.shape[0] // pack, -1)


def _build_chunk(graphdef, config: GANConfig, source: _Source):
    loss = get_loss(config.loss)
    m, k, length = config.batch_size // config.pack, config.k, config.chunk_size
    score = jax.nn.sigmoid if loss.probabilities else (lambda x: x)
    pack = functools.partial(_packed, pack=config.pack)

    draw = functools.partial(_draw, config, source)

    def d_step(gen, disc, opt, real, z, key_gp):
        """One discriminator step; returns (loss, mean D(real), mean D(fake)).

        ``m`` counts packs: the batch_size samples of each side make batch_size / pack packs.
        """
        real, fake = pack(real), pack(jax.lax.stop_gradient(gen(z)))

        def loss_fn(disc):
            # One pass over real and fake together: same numbers, fewer, larger matmuls.
            logits = disc(jnp.concatenate([real, fake]))
            real_logits, fake_logits = logits[:m], logits[m:]
            value = loss.discriminator(real_logits, fake_logits)
            if loss.gradient_penalty:
                value = value + gradient_penalty(disc, real, fake, key_gp, config.gp_weight)
            if config.r1_weight:
                value = value + r1_penalty(disc, real, config.r1_weight)
            return value, (jnp.mean(score(real_logits)), jnp.mean(score(fake_logits)))

        (value, (d_real, d_fake)), grads = nnx.value_and_grad(loss_fn, has_aux=True)(disc)
        opt.update(disc, grads)
        return jnp.stack([value, d_real, d_fake])

    def g_step(gen, disc, opt, z):
        """One generator step; returns its loss."""
        value, grads = nnx.value_and_grad(lambda gen: loss.generator(disc(pack(gen(z)))))(gen)
        opt.update(gen, grads)
        return value

    def step(state, batches):
        """Algorithm 1's iteration: k discriminator steps, then one generator step."""
        reals, zs_d, z_g, keys_gp = batches
        nets = nnx.merge(graphdef, state)
        gen, disc, opt_d = nets.generator, nets.discriminator, nets.opt_discriminator
        if k == 1:
            d_stats = d_step(gen, disc, opt_d, reals[0], zs_d[0], keys_gp[0])
        else:  # k discriminator steps, each on its own minibatches, in a loop of their own
            d_graph, d_state = nnx.split((disc, opt_d))

            def inner(d_state, batch):
                disc_j, opt_j = nnx.merge(d_graph, d_state)
                stats = d_step(gen, disc_j, opt_j, *batch)
                return nnx.state((disc_j, opt_j)), stats

            d_state, d_stats = jax.lax.scan(inner, d_state, (reals, zs_d, keys_gp))
            nnx.update((disc, opt_d), d_state)
            d_stats = jnp.mean(d_stats, axis=0)
        g_loss = g_step(gen, disc, nets.opt_generator, z_g)
        return nnx.state(nets), jnp.stack([d_stats[0], g_loss, d_stats[1], d_stats[2]])

    one_step = jax.eval_shape(draw, source.arrays, jax.random.key(0))
    step_bytes = sum(x.size * x.dtype.itemsize for x in jax.tree.leaves(one_step)
                     if not jnp.issubdtype(x.dtype, jax.dtypes.prng_key))
    predraw = step_bytes * length <= _PREDRAW_BYTES

    def chunk(state, arrays, train_key, start, n_steps):
        """Steps start+1 … start+n_steps (n_steps <= chunk_size) -> (state, history rows).

        Step t draws its minibatches from _step_key(train_key, t), so the numbers do not
        depend on how steps are cut into chunks. Small minibatches for the whole chunk are
        drawn in one vectorised pass before the loop (drawn one step at a time, the random
        numbers cost about as much as the toy networks' matmuls). History:
        ``(chunk_size, 4)``; rows past n_steps are 0.
        """
        keys = jax.vmap(lambda t: _step_key(train_key, t))(start + 1 + jnp.arange(length))
        drawn = jax.vmap(lambda key: draw(arrays, key))(keys) if predraw else None
        history = jnp.zeros((length, len(HISTORY_KEYS)), jnp.float32)

        def body(i, carry):
            state, history = carry
            if predraw:
                batches = jax.tree.map(lambda x: x[i], drawn)
            else:
                batches = draw(arrays, keys[i])
            state, row = step(state, batches)
            return state, history.at[i].set(row)

        return jax.lax.fori_loop(0, n_steps, body, (state, history))

    return jax.jit(chunk, compiler_options=_COMPILER_OPTIONS)


# ---------------------------------------------------------------------------------------------
# The run.


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
        self._source = None if data is None else _make_source(data, labels, config.n_classes)
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
        state, self._train_key, self._graphdef = _initializer(config, self.data_dim)(
            jax.random.key(config.seed), f32(*loc), f32(*scale),
            f32(config.lr_generator, config.beta1, config.beta2),
            f32(config.lr_discriminator, config.beta1, config.beta2))
        self._modules = nnx.merge(self._graphdef, state)
        self._latest = None  # a newer state than _modules', set by start_steps (see _nets)
        self.step = 0
        self.history = {name: np.zeros(0, np.float32) for name in HISTORY_KEYS}
        self.snapshots: dict[int, dict] = {}

    @property
    def _nets(self) -> _Nets:
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
        step = _positive_int("step", step)
        if self._source is None:
            raise ValueError("this run has no data to draw minibatches from; load it with "
                             "load_run(path, data=...)")
        return _drawer(self.config, self._source)(self._source.arrays,
                                                  _step_key(self._train_key, step))

    def set_learning_rates(self, lr_generator: float | None = None,
                           lr_discriminator: float | None = None) -> None:
        """Change the learning rates for the next steps (no recompilation); updates config."""
        self.config = self.config.replace(
            lr_generator=self.config.lr_generator if lr_generator is None else lr_generator,
            lr_discriminator=(self.config.lr_discriminator if lr_discriminator is None
                              else lr_discriminator))
        c = self.config
        _set_adam(self._nets.opt_generator, c.lr_generator, c.beta1, c.beta2)
        _set_adam(self._nets.opt_discriminator, c.lr_discriminator, c.beta1, c.beta2)

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
        n = _positive_int("n", n)
        z = _noise(self.config.noise, key, (n, self.config.latent_dim), self.config.n_components)
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
              progress: bool = True) -> GANRun:
        """Take ``steps`` more training steps (see :func:`train_gan`); returns self."""
        steps = _positive_int("steps", steps)
        if self._source is None:
            raise ValueError("this run has no data to train on; load it with load_run(path, "
                             "data=...) to continue training")
        end = self.step + steps
        wanted = _snapshot_steps(snapshots, self.step, end)
        if self.step in wanted:
            self._snapshot()

        def advance(step: int, n: int) -> bool:
            # Read the state afresh: a callback may have changed it (learning rates).
            self.collect_steps(self.start_steps(n))
            if self.step in wanted:
                self._snapshot()
            return callback is None or callback(self) is not False

        drive(advance, self.step, end, self.config.chunk_size, stops=wanted,
              desc="training GAN", progress=progress)
        return self

    def start_steps(self, steps: int) -> PendingSteps:
        """Start the next ``steps`` training steps and return without waiting for them.

        JAX computes asynchronously: the networks hold their new state at once (arrays still
        being computed) and ``step`` counts the new steps, so more steps can be started, or
        the host can draw, while the device trains. :meth:`collect_steps` (in the order the
        steps were started) waits for their history rows, checks them and appends them to
        ``history``. ``train`` is ``collect_steps(start_steps(n))`` chunk by chunk.
        """
        steps = _positive_int("steps", steps)
        if self._source is None:
            raise ValueError("this run has no data to train on; load it with load_run(path, "
                             "data=...) to continue training")
        chunk = _program(self.config, self._source, self._graphdef)
        before = state = self._state()
        rows, size = [], self.config.chunk_size
        for first in range(self.step, self.step + steps, size):
            n = min(size, self.step + steps - first)
            state, out = chunk(state, self._source.arrays, self._train_key, jnp.int32(first),
                               jnp.int32(n))
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


def _snapshot_steps(snapshots, start: int, end: int) -> set[int]:
    wanted = set()
    for s in snapshots:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not start <= s <= end:
            raise ValueError(f"snapshot steps must be integers in [{start}, {end}], got {s!r}")
        wanted.add(int(s))
    return wanted


def train_gan(data, config: GANConfig | None = None, *, snapshots: Iterable[int] = (),
              callback: Callable[[GANRun], bool | None] | None = None,
              progress: bool = True, labels=None) -> GANRun:
    """Train a GAN on ``data`` for ``config.steps`` steps of Algorithm 1; returns a GANRun.

    ``data``: a ganlab distribution (minibatches sampled on the device), an array
    ``(n, d)`` / ``(n,)``, or images ``(n, h, w, c)`` in [0, 1] (minibatches drawn uniformly
    with replacement; images get convolutional networks). ``labels``: integers ``(n,)`` in
    [0, config.n_classes), the class of each image, for a conditional GAN. ``snapshots``: steps
    (0 … steps) at which to store the parameters. ``callback(run)`` is called after each
    chunk (``run.step`` steps done); returning ``False`` stops training early. ``progress``
    shows a tqdm bar. A NaN or infinite loss raises :class:`TrainingDiverged`. The same
    config (seed included) gives the same numbers.
    """
    config = GANConfig() if config is None else config
    run = GANRun(config, data, labels=labels)
    return run.train(config.steps, snapshots=snapshots, callback=callback, progress=progress)


# save_run / load_run live in ganlab.checkpoints; importing them here (after everything they
# use is defined) lets users find them next to train_gan.
from ganlab.checkpoints import checkpoint_path, load_run, save_run  # noqa: E402


def __getattr__(name: str):
    """``ganlab.training.PRESETS``: the tuned configs of :mod:`ganlab.presets` (which imports
    this module, so they are looked up on first use rather than imported here)."""
    if name == "PRESETS":
        from ganlab.presets import PRESETS

        return PRESETS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
