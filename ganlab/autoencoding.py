"""Train auto-encoders and VAEs on images, compiled into long device loops like the GAN engine.

One *step*: draw a minibatch of ``batch_size`` images uniformly with replacement (on the device,
from a key folded with the step number, so the numbers do not depend on how steps are cut into
chunks), and take one Adam step on the loss. The host-side loop between compiled chunks (progress
bar, NaN check, history, callback) is :func:`ganlab.loop.drive`.

Losses, in nats per image (sums over pixels and code coordinates, means over the minibatch):

- **Decoder likelihood: Bernoulli.** Every pixel value x_j in [0, 1] is read as the probability
  of ink, and the decoder outputs a logit l_j per pixel: −log p(x | z) is the binary
  cross-entropy Σ_j −[x_j log σ(l_j) + (1 − x_j) log(1 − σ(l_j))]. It suits images of dark
  background and bright strokes (most pixels near 0 or 1), keeps decoded images in [0, 1] and,
  unlike a Gaussian likelihood, needs no noise variance to choose. For grey levels strictly
  between 0 and 1 the minimum is not 0 but the pixels' own entropy, so the numbers are
  comparable between models on the same data, not with log-likelihoods of binarised MNIST.
- AE: the reconstruction term alone, with z = encoder(x).
- VAE: minus the ELBO, −E_q[log p(x | z)] + KL(q(z | x) ‖ N(0, I)), the expectation estimated
  with one reparameterised draw z = μ + σ·ε per image and the KL in closed form.

Shapes: images ``(n, h, w, c)`` (or ``(n, h, w)``) with values in [0, 1]; codes
``(n, latent_dim)``.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.scipy.special import gammaln
from flax import nnx

from ganlab import devices as _devices
from ganlab.loop import (COMPILER_OPTIONS, Config, TrainingDiverged, append_history, drive,
                         first_nonfinite, jit_build, lru)
from ganlab.models import ACTIVATIONS, VAE, AutoEncoder, reparameterize
from ganlab.models.autoencoders import ENCODERS
from ganlab.validate import choice, integer, positive_float, positive_int, seed_list, widths

__all__ = ["AEConfig", "AERun", "train_autoencoder", "train_side_by_side",
           "reconstruction_loss", "gaussian_kl", "vae_loss", "HISTORY_KEYS", "KINDS"]

KINDS = ("ae", "vae")
HISTORY_KEYS = ("loss", "reconstruction", "kl")
"""Per step, in nats per image: the loss minimised, its reconstruction term and its KL term
(0 for a plain auto-encoder, whose loss is its reconstruction term)."""


@dataclasses.dataclass(frozen=True)
class AEConfig(Config):
    """Everything that defines an auto-encoder training run; validated on creation.

    ``kind``: "ae" (plain auto-encoder) or "vae"; ``encoder``: "mlp" (flattened pixels, hidden
    widths ``hidden``) or "conv" (stride-2 convolutions with ``channels``); the decoder mirrors
    the encoder. ``lr``: Adam's learning rate; ``chunk_size``: steps per compiled call.
    """

    kind: str = "vae"
    latent_dim: int = 2
    encoder: str = "mlp"
    hidden: tuple[int, ...] = (128,)
    channels: tuple[int, ...] = (16, 32)
    activation: str = "relu"
    levels: int = 16
    steps: int = 3000
    batch_size: int = 64
    lr: float = 2e-3
    seed: int = 0
    chunk_size: int = 500

    def __post_init__(self):
        choice("kind", self.kind, KINDS)
        choice("encoder", self.encoder, ENCODERS)
        choice("activation", self.activation, sorted(ACTIVATIONS))
        checked = {name: positive_int(name, getattr(self, name))
                   for name in ("latent_dim", "levels", "steps", "batch_size", "chunk_size")}
        checked["lr"] = positive_float("lr", self.lr)
        checked["seed"] = integer("seed", self.seed, low=0)
        checked["hidden"] = widths("hidden", self.hidden)
        checked["channels"] = widths("channels", self.channels)
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def _architecture(self) -> tuple:
        return (self.kind, self.latent_dim, self.encoder, self.hidden, self.channels,
                self.activation, self.levels)


# ---------------------------------------------------------------------------------------------
# The losses (the one copy every notebook and test uses).


def reconstruction_loss(logits: jax.Array, images: jax.Array, levels: int) -> jax.Array:
    """−log p(x | z) in nats per image under independent binomial pixels.

    A pixel value x_j = k_j / ``levels`` counts k_j inked sub-pixels out of ``levels``, each
    inked with probability p_j = σ(l_j) independently: k_j ~ Binomial(levels, p_j), so
    −log p(x_j | z) = levels · BCE(x_j, p_j) − log C(levels, k_j), with BCE the binary
    cross-entropy −[x log p + (1 − x) log(1 − p)]. ``levels = 1`` is the Bernoulli likelihood
    of black-and-white pixels (plain BCE). Summed over the pixels of each image.
    ``logits``, ``images`` ``(n, h, w, c)`` (images multiples of 1 / levels) -> nats ``(n,)``.
    """
    bce = optax.sigmoid_binary_cross_entropy(logits, images)
    k = jnp.round(images * levels)
    log_binomial = gammaln(levels + 1.0) - gammaln(k + 1.0) - gammaln(levels - k + 1.0)
    nll = levels * bce - log_binomial
    return jnp.sum(nll.reshape(nll.shape[0], -1), axis=1)


def gaussian_kl(mean: jax.Array, log_var: jax.Array) -> jax.Array:
    """KL(N(mean, diag exp(log_var)) ‖ N(0, I)) in closed form, summed over the code
    coordinates: ½ Σ (μ² + σ² − 1 − log σ²). ``(n, latent_dim)`` -> nats ``(n,)``."""
    return 0.5 * jnp.sum(mean**2 + jnp.exp(log_var) - 1.0 - log_var, axis=-1)


def vae_loss(model: VAE, images: jax.Array, eps: jax.Array, levels: int):
    """Minus the ELBO, averaged over the minibatch, with z = μ + σ·eps (``eps`` ``(n, latent)``)
    and the binomial likelihood of :func:`reconstruction_loss` with ``levels``.

    Returns ``(loss, (reconstruction, kl))``, all scalars in nats per image.
    """
    mean, log_var = model.encode(images)
    rec = jnp.mean(reconstruction_loss(model.decode(reparameterize(mean, log_var, eps)), images,
                                       levels))
    kl = jnp.mean(gaussian_kl(mean, log_var))
    return rec + kl, (rec, kl)


def _ae_loss(model: AutoEncoder, images: jax.Array, eps: jax.Array, levels: int):
    rec = jnp.mean(reconstruction_loss(model(images), images, levels))
    return rec, (rec, jnp.zeros_like(rec))


# ---------------------------------------------------------------------------------------------
# Networks, their optimiser and the compiled chunk.


class _Nets(nnx.Module):
    def __init__(self, config: AEConfig, image_shape, key: jax.Array):
        kind = VAE if config.kind == "vae" else AutoEncoder
        self.model = kind(image_shape, config.latent_dim, config.encoder, config.hidden,
                          config.channels, config.activation, rngs=nnx.Rngs(params=key))
        self.optimizer = nnx.Optimizer(self.model, optax.adam(config.lr), wrt=nnx.Param)


_PROGRAMS: collections.OrderedDict = collections.OrderedDict()
_INITS: collections.OrderedDict = collections.OrderedDict()


def _initializer(config: AEConfig, image_shape: tuple):
    """``init(key)`` -> (state, graphdef): one compiled program builds the model and Adam's
    state (instead of dozens of small eager programs), cached per architecture."""

    return lru(_INITS, (config._architecture(), config.lr, image_shape),
               lambda: jit_build(lambda key: _Nets(config, image_shape, key)))


def _program(config: AEConfig, graphdef, data_shape: tuple):
    key = (config._architecture(), config.batch_size, config.lr, config.chunk_size, data_shape)
    return lru(_PROGRAMS, key, lambda: _build_chunk(graphdef, config))


def _build_chunk(graphdef, config: AEConfig):
    loss_fn = vae_loss if config.kind == "vae" else _ae_loss
    m, length, latent = config.batch_size, config.chunk_size, config.latent_dim

    def step(state, images, key):
        key_batch, key_eps = jax.random.split(key)
        x = images[jax.random.randint(key_batch, (m,), 0, images.shape[0])]
        eps = jax.random.normal(key_eps, (m, latent), jnp.float32)
        nets = nnx.merge(graphdef, state)
        (loss, (rec, kl)), grads = nnx.value_and_grad(loss_fn, has_aux=True)(
            nets.model, x, eps, config.levels)
        nets.optimizer.update(nets.model, grads)
        return nnx.state(nets), jnp.stack([loss, rec, kl])

    def chunk(state, images, train_key, start, n_steps):
        """Steps start+1 … start+n_steps -> (state, history rows ``(chunk_size, 3)``)."""
        history = jnp.zeros((length, len(HISTORY_KEYS)), jnp.float32)

        def body(i, carry):
            state, history = carry
            state, row = step(state, images, jax.random.fold_in(train_key, start + i))
            return state, history.at[i].set(row)

        return jax.lax.fori_loop(0, n_steps, body, (state, history))

    return jax.jit(chunk, compiler_options=COMPILER_OPTIONS)


@jax.jit(static_argnums=(0, 1))
def _call(graphdef, method: str, state, x):
    model = nnx.merge(graphdef, state)
    out = getattr(model, method)(x)
    return jax.nn.sigmoid(out) if method == "decode" else out


def check_images(images, what: str = "images") -> jax.Array:
    """``images`` as float32 ``(n, h, w, c)`` (``(n, h, w)`` gets c = 1), finite, in [0, 1]."""
    try:
        arr = np.asarray(images, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a numeric array (n, h, w, c), "
                         f"got {type(images).__name__}") from None
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[0] < 1:
        raise ValueError(f"{what} must have shape (n, h, w, c) or (n, h, w) with n >= 1, "
                         f"got {arr.shape}")
    if not np.all(np.isfinite(arr)) or arr.min() < 0.0 or arr.max() > 1.0:
        raise ValueError(f"{what} must hold finite values in [0, 1] (pixel intensities)")
    return jnp.asarray(arr)


def check_levels(images: jax.Array, levels: int, what: str = "images") -> jax.Array:
    """``images`` unchanged if every value is a multiple of 1 / ``levels`` (the grey levels the
    binomial likelihood models), else a ``ValueError``."""
    k = np.asarray(images, np.float64) * levels
    if np.max(np.abs(k - np.round(k)), initial=0.0) > 1e-3:
        raise ValueError(f"{what} hold values that are not multiples of 1/{levels}: set "
                         "AEConfig(levels=...) to the number of grey steps between 0 and 1 "
                         "(16 for the 8×8 digits, 255 for MNIST's bytes, 1 for black and white)")
    return images


# ---------------------------------------------------------------------------------------------
# The run.


class AERun:
    """An auto-encoder or VAE being trained or trained, and ways to query it.

    Attributes: ``config``; ``model`` (:class:`~ganlab.models.AutoEncoder` or
    :class:`~ganlab.models.VAE`); ``image_shape`` ``(h, w, c)``; ``step``; ``history`` (dict of
    float32 numpy arrays, one entry per step, keys :data:`HISTORY_KEYS`).
    ``AERun(config, images)`` builds the networks without training; :meth:`train` trains.
    """

    def __init__(self, config: AEConfig, images=None, *, image_shape=None):
        if not isinstance(config, AEConfig):
            raise ValueError(f"config must be an AEConfig, got {type(config).__name__}")
        self.config = config
        self._images = None if images is None else check_levels(check_images(images),
                                                                 config.levels)
        if self._images is not None:
            image_shape = self._images.shape[1:]
        if image_shape is None:
            raise ValueError("AERun needs images (or image_shape to rebuild a saved run)")
        self.image_shape = tuple(int(v) for v in image_shape)
        key = jax.random.key(config.seed)
        state, graphdef = _initializer(config, self.image_shape)(jax.random.fold_in(key, 0))
        self._nets = nnx.merge(graphdef, state)
        self._train_key = jax.random.fold_in(key, 1)
        self.step = 0
        self.history = {name: np.zeros(0, np.float32) for name in HISTORY_KEYS}

    @property
    def model(self):
        return self._nets.model

    def export_state(self) -> nnx.State:
        """Every array of the run (model and Adam state) as a pytree of its own;
        :meth:`restore` puts such a state back."""
        return jax.tree.map(jnp.asarray, nnx.state(self._nets))

    def restore(self, state: nnx.State, *, step: int, history: dict) -> None:
        """Set the model and optimiser to ``state`` (as :meth:`export_state` gives) and the
        run's ``step`` and ``history`` (``{key: (step,) array}`` for :data:`HISTORY_KEYS`)."""
        nnx.update(self._nets, state)
        self.step = integer("step", step, low=0)
        self.history = {n: np.asarray(history.get(n, np.zeros(0)), np.float32)
                        for n in HISTORY_KEYS}

    @property
    def is_vae(self) -> bool:
        return self.config.kind == "vae"

    # -- queries ----------------------------------------------------------------------------

    def _apply(self, method: str, x):
        graphdef, state = nnx.split(self.model)
        return _call(graphdef, method, state, x)

    def posterior(self, images) -> tuple[jax.Array, jax.Array]:
        """VAE only: q(z | x) as (mean, log σ²), each ``(n, latent_dim)``."""
        self._need_vae("posterior")
        return self._apply("encode", check_images(images))

    def encode(self, images) -> jax.Array:
        """Codes ``(n, latent_dim)``: the AE's code, or the VAE's posterior mean."""
        out = self._apply("encode", check_images(images))
        return out[0] if self.is_vae else out

    def decode(self, z) -> jax.Array:
        """Codes ``(n, latent_dim)`` -> images ``(n, h, w, c)`` in [0, 1] (ink probabilities)."""
        z = jnp.asarray(z, jnp.float32)
        if z.ndim != 2 or z.shape[1] != self.config.latent_dim:
            raise ValueError(f"z must have shape (n, {self.config.latent_dim}), "
                             f"got {tuple(z.shape)}")
        return self._apply("decode", z)

    def reconstruct(self, images) -> jax.Array:
        """decode(encode(x)): images ``(n, h, w, c)`` in [0, 1]."""
        return self.decode(self.encode(images))

    def sample(self, n: int, key: jax.Array) -> jax.Array:
        """VAE only: ``n`` images ``(n, h, w, c)`` decoded from prior draws z ~ N(0, I)."""
        self._need_vae("sample")
        z = jax.random.normal(key, (positive_int("n", n), self.config.latent_dim))
        return self.decode(z)

    def elbo(self, images, key: jax.Array | None = None, n_samples: int = 16) -> float:
        """VAE only: the mean ELBO of ``images`` in nats per image (higher is better).

        E_q[log p(x | z)] is averaged over ``n_samples`` reparameterised draws per image
        (``key`` defaults to ``jax.random.key(0)``, so the number is reproducible); the KL
        term is exact.
        """
        return self._sampled_estimate("elbo", _elbo, images, key, n_samples)

    def log_likelihood(self, images, key: jax.Array | None = None,
                       n_samples: int = 1000) -> float:
        """VAE only: an estimate of the mean log p(x) of ``images``, in nats per image.

        Importance sampling with q(z | x) as proposal: log (1/K) Σ_k p(x | z_k) p(z_k) /
        q(z_k | x) over K = ``n_samples`` draws z_k ~ q(z | x) (``key`` defaults to
        ``jax.random.key(0)``). By Jensen's inequality its expectation is still a lower bound
        on log p(x), but one that rises towards log p(x) as K grows, and equals the ELBO's at
        K = 1 (Burda, Grosse & Salakhutdinov 2016): above :meth:`elbo` by about
        KL(q(z | x) ‖ p(z | x)), the gap the ELBO leaves.
        """
        return self._sampled_estimate("log_likelihood", _log_likelihood, images, key, n_samples)

    def _sampled_estimate(self, what: str, estimate, images, key, n_samples: int) -> float:
        """``estimate(graphdef, state, x, key, n_samples, levels)`` on checked inputs (VAE only;
        ``key`` defaults to ``jax.random.key(0)``)."""
        self._need_vae(what)
        x = check_levels(check_images(images), self.config.levels)
        n_samples = positive_int("n_samples", n_samples)
        key = jax.random.key(0) if key is None else key
        graphdef, state = nnx.split(self.model)
        return float(estimate(graphdef, state, x, key, n_samples, self.config.levels))

    def _need_vae(self, what: str):
        if not self.is_vae:
            raise ValueError(f"{what} needs a VAE (config kind='vae'); this run is a plain "
                             "auto-encoder, whose codes have no prior to draw from")

    # -- training ---------------------------------------------------------------------------

    def train(self, steps: int, *, callback: Callable | None = None,
              progress: bool = True) -> AERun:
        """Take ``steps`` more Adam steps; ``callback(run)`` after each chunk, False stops.

        A NaN or infinite loss raises :class:`~ganlab.training.TrainingDiverged`.
        """
        steps = positive_int("steps", steps)
        if self._images is None:
            raise ValueError("this run has no images to train on; load it with "
                             "load_run(path, data=images) to continue training")
        chunk = self._chunk()

        def advance(step: int, n: int) -> bool:
            state, rows = chunk(nnx.state(self._nets), self._images, self._train_key,
                                jnp.int32(step), jnp.int32(n))
            rows = np.asarray(rows)[:n]
            self._check_rows(step, rows)
            nnx.update(self._nets, state)
            self.history = append_history(self.history, HISTORY_KEYS, rows)
            self.step = step + n
            return callback is None or callback(self) is not False

        kind = "VAE" if self.is_vae else "auto-encoder"
        drive(advance, self.step, self.step + steps, self.config.chunk_size,
              desc=f"training {kind}", progress=progress)
        return self

    def _chunk(self):
        graphdef, _ = nnx.split(self._nets)
        return _program(self.config, graphdef, tuple(self._images.shape))

    def _check_rows(self, step: int, rows: np.ndarray) -> None:
        """Raise :class:`~ganlab.training.TrainingDiverged` at the first non-finite loss in
        ``rows``, the history rows of steps ``step+1 …``."""
        bad = first_nonfinite(rows, (0,))
        if bad is not None:
            history = append_history(self.history, HISTORY_KEYS, rows[: bad[0] + 1])
            raise TrainingDiverged(
                f"training diverged at step {step + bad[0] + 1}: the loss became "
                f"{rows[bad[0], 0]}. Try a lower learning rate (now lr={self.config.lr:g}).",
                step + bad[0] + 1, history, self)


def train_side_by_side(runs: list[AERun], steps: int, *, progress: bool = True) -> list[AERun]:
    """Take ``steps`` more steps of each run in ``runs`` (same config but the seed, same
    images, same step), one run per device where JAX has several (see :mod:`ganlab.devices`);
    each ends exactly as ``run.train(steps)`` would leave it. A NaN or infinite loss raises
    :class:`~ganlab.training.TrainingDiverged` with every run at its last good chunk."""
    steps = positive_int("steps", steps)
    runs = list(runs)
    if not runs or not all(isinstance(r, AERun) for r in runs):
        raise ValueError("runs must be a non-empty list of AERun")
    first = runs[0]
    if first._images is None or any(
            (r.config.replace(seed=0), r.step) != (first.config.replace(seed=0), first.step)
            or r._images is None or (r._images is not first._images
                                     and not np.array_equal(r._images, first._images))
            for r in runs):
        raise ValueError("runs trained side by side must share their images, step and every "
                         "config field but the seed")
    for group, devices in _devices.groups(runs, _devices.seed_devices()):
        _side_by_side(group, steps, devices, progress)
    return runs


def _side_by_side(runs: list[AERun], steps: int, devices: list, progress: bool) -> None:
    chunk, begin = runs[0]._chunk(), runs[0].step
    placed = _devices.SideBySide([nnx.state(r._nets) for r in runs],
                                 [r._train_key for r in runs], runs[0]._images, devices)

    def give_back():
        for r, state in zip(runs, placed.states_here()):
            nnx.update(r._nets, state)

    def advance(step: int, n: int) -> bool:
        states, rows = placed.start(chunk, np.int32(step), np.int32(n))
        rows = [own[:n] for own in rows]
        for r, own in zip(runs, rows):
            if first_nonfinite(own, (0,)) is not None:
                give_back()
                r._check_rows(step, own)
        placed.accept(states)
        for r, own in zip(runs, rows):
            r.history = append_history(r.history, HISTORY_KEYS, own)
            r.step = step + n
        return True

    kind = "VAEs" if runs[0].is_vae else "auto-encoders"
    drive(advance, begin, begin + steps, runs[0].config.chunk_size,
          desc=f"training {len(runs)} {kind}", progress=progress)
    give_back()


@jax.jit(static_argnums=(0, 4, 5))
def _elbo(graphdef, state, images, key, n_samples, levels):
    model = nnx.merge(graphdef, state)
    mean, log_var = model.encode(images)
    eps = jax.random.normal(key, (n_samples, *mean.shape), jnp.float32)
    rec = jax.vmap(lambda e: reconstruction_loss(
        model.decode(reparameterize(mean, log_var, e)), images, levels))(eps)
    return jnp.mean(-jnp.mean(rec, axis=0) - gaussian_kl(mean, log_var))


@jax.jit(static_argnums=(0, 4, 5))
def _log_likelihood(graphdef, state, images, key, n_samples, levels):
    model = nnx.merge(graphdef, state)
    mean, log_var = model.encode(images)
    eps = jax.random.normal(key, (n_samples, *mean.shape), jnp.float32)

    def log_weight(e):  # log p(x | z) + log p(z) − log q(z | x) at z = μ + σ·e: (n,)
        z = reparameterize(mean, log_var, e)
        log_prior_over_q = 0.5 * jnp.sum(e**2 - z**2 + log_var, axis=-1)
        return log_prior_over_q - reconstruction_loss(model.decode(z), images, levels)

    per_draw = images.size                       # floats one draw decodes
    batch = max(1, min(n_samples, 2**24 // per_draw))   # ~64 MiB of pixels at a time
    log_w = jax.lax.map(log_weight, eps, batch_size=batch)
    return jnp.mean(jax.nn.logsumexp(log_w, axis=0) - jnp.log(n_samples))


def train_autoencoder(images, config: AEConfig | None = None, *,
                      callback: Callable[[AERun], bool | None] | None = None,
                      progress: bool = True, seeds=None) -> AERun | list[AERun]:
    """Train an auto-encoder or VAE (``config.kind``) on ``images`` ``(n, h, w, c)`` in [0, 1]
    for ``config.steps`` steps; returns an :class:`AERun`. The same config, same numbers.

    ``seeds``: train one per seed (``config.seed`` is then ignored) side by side
    (:func:`train_side_by_side`) and return the list of runs; each run's numbers are exactly
    those of ``train_autoencoder`` with ``config.replace(seed=s)``.
    """
    config = AEConfig() if config is None else config
    if seeds is None:
        return AERun(config, images).train(config.steps, callback=callback, progress=progress)
    if callback is not None:
        raise ValueError("callback is for one run; train seeds one by one to use it")
    seeds = seed_list(seeds)
    first = AERun(config.replace(seed=seeds[0]), images)
    runs = [first] + [AERun(config.replace(seed=s), first._images) for s in seeds[1:]]
    return train_side_by_side(runs, config.steps, progress=progress)
