"""Algorithm 1 of Goodfellow et al. (2014), and the compiled loop that runs it.

:func:`algorithm1_step` is the whole algorithm for one training iteration, on one screen:
k discriminator steps, each on fresh minibatches, then one generator step. Everything else here
makes it fast (the functional loop of the Flax performance guide): the networks and their
optimisers are split into a static graph and a pytree of arrays once; :func:`program` builds a
``jax.jit``-ed function that merges them and runs a whole *chunk* of steps in one
``lax.fori_loop`` (its trip count is an argument, so chunks of any length share one program).
Compiled programs are cached by every config field that shapes them
(:func:`ganlab.training.config.program_fields`); learning rates, betas, seeds and the choice
among the losses without a penalty are data (:func:`ganlab.losses.switch_index`).

Shapes: points ``(m, d)``; images ``(m, h, w, c)``; noise ``(m, noise_dim)``; logits ``(m,)``.
"""

from __future__ import annotations

import collections
import functools

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from ganlab.loop import COMPILER_OPTIONS, lru
from ganlab.losses import get_loss, gradient_penalty, r1_penalty, switched
from ganlab.models import Discriminator, Generator, ImageDiscriminator, ImageGenerator
from ganlab.training.config import HISTORY_KEYS, GANConfig, program_fields
from ganlab.training.data import Minibatches, Source, draw, packed, step_key

__all__ = ["Nets", "set_adam", "initializer", "algorithm1_step", "program", "drawer",
           "NO_AVERAGE"]

NO_AVERAGE = 2**31 - 1
"""``average_from`` for a chunk that keeps no running average of the generator."""


class Nets(nnx.Module):
    """What one training step changes, in one tree: both networks, their optimisers, and
    ``generator_average``, a running mean of the generator's parameters (Polyak averaging; it
    only follows the generator in the steps a run asks to average)."""

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
        self.generator_average = nnx.clone(self.generator)
        # Learning rate and betas live in the optimiser state (arrays, set by set_adam), not
        # in the program: changing them recompiles nothing.
        adam = optax.inject_hyperparams(optax.adam)
        self.opt_generator = nnx.Optimizer(
            self.generator, adam(learning_rate=1e-3, b1=0.9, b2=0.999), wrt=nnx.Param)
        self.opt_discriminator = nnx.Optimizer(
            self.discriminator, adam(learning_rate=1e-3, b1=0.9, b2=0.999), wrt=nnx.Param)


def set_adam(optimizer: nnx.Optimizer, lr, b1, b2):
    """Set an optimiser's learning rate and betas (arrays in its state)."""
    hyper = optimizer.opt_state.hyperparams
    hyper["learning_rate"][...] = lr
    hyper["b1"][...] = b1
    hyper["b2"][...] = b2


# ---------------------------------------------------------------------------------------------
# Algorithm 1.


def algorithm1_step(config: GANConfig, nets: Nets, batches: Minibatches,
                    loss_at: jax.Array) -> jax.Array:
    """One training iteration of Algorithm 1; updates ``nets`` in place. ``loss_at``: what
    ``switch_index(config.loss)`` gives (data, so one program serves several losses).

    Returns the history row ``(4,)``: D's loss (mean over its k steps), G's loss, mean D(real),
    mean D(fake) (see :data:`HISTORY_KEYS`).
    """
    loss = get_loss(config.loss)
    if not loss.gradient_penalty:
        loss = switched(loss_at)
    score = lambda logits: jnp.where(loss.probabilities, jax.nn.sigmoid(logits), logits)
    pack = functools.partial(packed, pack=config.pack)
    gen, disc = nets.generator, nets.discriminator

    def discriminator_loss(disc, real, z, key_gp):
        real, fake = pack(real), pack(jax.lax.stop_gradient(gen(z)))
        real_logits, fake_logits = disc(real), disc(fake)
        value = loss.discriminator(real_logits, fake_logits)
        if loss.gradient_penalty:
            value = value + gradient_penalty(disc, real, fake, key_gp, config.gp_weight)
        if config.r1_weight:
            value = value + r1_penalty(disc, real, config.r1_weight)
        return value, (jnp.mean(score(real_logits)), jnp.mean(score(fake_logits)))

    def generator_loss(gen, z):
        return loss.generator(disc(pack(gen(z))))

    def discriminator_step(j, carry):  # one of k steps on D, on a fresh minibatch
        disc, opt, rows = carry
        (value, (d_real, d_fake)), grads = nnx.value_and_grad(
            discriminator_loss, has_aux=True)(disc, batches.reals[j], batches.d_noise[j],
                                              batches.penalty_keys[j])
        opt.update(disc, grads)  # ascent on V = descent on D's loss
        return disc, opt, rows.at[j].set(jnp.stack([value, d_real, d_fake]))

    carry = (disc, nets.opt_discriminator, jnp.zeros((config.k, 3)))
    if batches.reals.ndim <= 3:  # points: a Python loop, unrolled when compiled
        for j in range(config.k):
            carry = discriminator_step(j, carry)
    else:  # images: a compiled loop (with k = 5 on the digits WGAN-GP it compiled twice as
        # fast and ran about twice as fast as unrolled; on the 1D toy, unrolling ran 2-4× faster)
        carry = nnx.fori_loop(0, config.k, discriminator_step, carry)
    d_rows = carry[2]
    g_value, grads = nnx.value_and_grad(generator_loss)(gen, batches.g_noise)  # one step on G
    nets.opt_generator.update(gen, grads)
    d_value, d_real, d_fake = jnp.mean(d_rows, axis=0)
    return jnp.stack([d_value, g_value, d_real, d_fake])


# ---------------------------------------------------------------------------------------------
# Compiled programs, cached by what shapes them.

_INITS: collections.OrderedDict = collections.OrderedDict()
_PROGRAMS: collections.OrderedDict = collections.OrderedDict()
_DRAWERS: collections.OrderedDict = collections.OrderedDict()

# One performance fork, kept because `make bench BENCH=training` shows it pays (its "forks"
# lines: 1.41× / 1.23× the steps/s on the 1D toy at 2×32 / 2×64): minibatches drawn up front for
# a whole chunk when they fit in this many bytes. Judging real and fake in one forward pass of
# D (one concatenated batch) was a second fork until the same bench showed it did not pay
# (0.94× / 0.91× on the 1D toy, within the noise on the digits DCGAN).
_PREDRAW_BYTES = 64 * 2**20


def initializer(config: GANConfig, data_dim: int | tuple):
    """``init(key, loc, scale, adam_g, adam_d)`` -> (state, train_key, graphdef), cached.

    One compiled program builds all parameters and optimiser states (instead of dozens of
    small eager programs); ``graphdef`` is shared by every run of this architecture. ``loc``,
    ``scale``: ``(data_dim,)``; ``adam_*``: (learning rate, beta1, beta2).
    """
    arch = (config._architecture(), data_dim)

    def make():
        graphdefs = []

        def init(key, loc, scale, adam_g, adam_d):
            nets = Nets(config, data_dim, jax.random.fold_in(key, 0))
            for module, copies in ((nets.generator, 1), (nets.discriminator, config.pack)):
                module.loc[...] = jnp.tile(loc, copies)
                module.scale[...] = jnp.tile(scale, copies)
            set_adam(nets.opt_generator, *adam_g)
            set_adam(nets.opt_discriminator, *adam_d)
            graphdef, state = nnx.split(nets)
            graphdefs.append(graphdef)
            return state, jax.random.fold_in(key, 1)

        jitted = jax.jit(init, compiler_options=COMPILER_OPTIONS)
        return lambda *args: (*jitted(*args), graphdefs[0])

    return lru(_INITS, arch, make)


def drawer(config: GANConfig, source: Source):
    """:func:`draw` for one step, jitted on its own (for ``GANRun.minibatches``), cached."""
    key = (program_fields(config), source.shape, source.fingerprint)
    return lru(_DRAWERS, key, lambda: jax.jit(functools.partial(draw, config, source),
                                               compiler_options=COMPILER_OPTIONS))


def program(config: GANConfig, source: Source, graphdef):
    """The jitted chunk function (see :func:`_chunk_function`), cached."""
    key = (program_fields(config), source.shape, source.fingerprint)
    return lru(_PROGRAMS, key, lambda: jax.jit(_chunk_function(graphdef, config, source),
                                               compiler_options=COMPILER_OPTIONS))


def _chunk_function(graphdef, config: GANConfig, source: Source):
    length = config.chunk_size
    one_step = jax.eval_shape(functools.partial(draw, config, source), source.arrays,
                              jax.random.key(0))
    step_bytes = sum(x.size * x.dtype.itemsize for x in jax.tree.leaves(one_step)
                     if not jnp.issubdtype(x.dtype, jax.dtypes.prng_key))
    predraw = step_bytes * length <= _PREDRAW_BYTES

    def chunk(state, arrays, train_key, start, n_steps, average_from, loss_at):
        """Steps start+1 … start+n_steps (n_steps <= chunk_size) -> (state, rows); ``loss_at``
        as :func:`ganlab.losses.switch_index` gives it.

        Step t draws its minibatches from ``step_key(train_key, t)``, so the numbers do not
        depend on how steps are cut into chunks. Small minibatches for the whole chunk are
        drawn in one vectorised pass before the loop (drawn one step at a time, the random
        numbers cost about as much as the toy networks' matmuls). ``generator_average`` becomes
        the mean of the generator's parameters after each step past ``average_from`` (Polyak
        averaging; :data:`NO_AVERAGE`: none). Rows ``(chunk_size, 4)``; rows past n_steps are 0.
        """
        keys = jax.vmap(lambda t: step_key(train_key, t))(start + 1 + jnp.arange(length))
        drawn = jax.vmap(lambda key: draw(config, source, arrays, key))(keys) \
            if predraw else None
        history = jnp.zeros((length, len(HISTORY_KEYS)), jnp.float32)

        def body(i, carry):
            state, history = carry
            batches = jax.tree.map(lambda x: x[i], drawn) if predraw else \
                draw(config, source, arrays, keys[i])
            nets = nnx.merge(graphdef, state)
            row = algorithm1_step(config, nets, batches, loss_at)
            step = start + 1 + i
            weight = jnp.where(step > average_from,
                               1.0 / jnp.maximum(step - average_from, 1).astype(jnp.float32), 0.0)
            nnx.update(nets.generator_average, jax.tree.map(
                lambda a, p: a + weight * (p - a), nnx.state(nets.generator_average, nnx.Param),
                nnx.state(nets.generator, nnx.Param)))
            return nnx.state(nets), history.at[i].set(row)

        return jax.lax.fori_loop(0, n_steps, body, (state, history))

    return chunk
