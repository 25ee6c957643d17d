"""The R1 penalty in the engine: GANConfig.r1_weight adds γ/2 · mean ‖∇ₓ logit D(x)‖² at the
real minibatch to each discriminator step's loss."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from ganlab import distributions as dist
from ganlab import training as tr

DATA = dist.ring(n_modes=4, radius=1.0, scale=0.05)
SMALL = tr.GANConfig(steps=6, batch_size=16, hidden=(8,), latent_dim=2, noise="uniform",
                     chunk_size=4, seed=2, r1_weight=3.0)


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), "1", True])
def test_r1_weight_must_be_a_finite_number_at_least_zero(value):
    with pytest.raises(ValueError, match="r1_weight must be a finite number >= 0"):
        SMALL.replace(r1_weight=value)


def test_r1_weight_zero_is_off_and_round_trips():
    assert tr.GANConfig().r1_weight == 0.0
    assert tr.GANConfig.from_dict(SMALL.to_dict()) == SMALL


def test_a_hand_written_step_with_r1_reproduces_train_1():
    run = tr.GANRun(SMALL, DATA).train(3, progress=False)
    gen, disc, opt_g, opt_d = nnx.clone((run.generator, run.discriminator,
                                         run.optimizers["generator"],
                                         run.optimizers["discriminator"]))
    batch = run.minibatches(run.step + 1)
    real, z = batch.reals[0], batch.d_noise[0]

    def d_loss_fn(disc):
        fake = jax.lax.stop_gradient(gen(z))
        bce = -jnp.mean(jax.nn.log_sigmoid(disc(real))) - jnp.mean(
            jax.nn.log_sigmoid(-disc(fake)))
        # ∇ₓ of each real point's logit, written out per point
        grads = jax.vmap(jax.grad(lambda x: disc(x[None])[0]))(real)
        return bce + 0.5 * 3.0 * jnp.mean(jnp.sum(grads**2, axis=1))

    d_loss, grads = nnx.value_and_grad(d_loss_fn)(disc)
    opt_d.update(disc, grads)
    run.train(1, progress=False)
    np.testing.assert_allclose(d_loss, run.history["d_loss"][-1], rtol=1e-5)
    for a, b in zip(jax.tree.leaves(nnx.state(disc)), jax.tree.leaves(
            nnx.state(run.discriminator)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    plain = tr.GANRun(SMALL.replace(r1_weight=0.0), DATA).train(4, progress=False)
    assert not np.allclose(plain.history["d_loss"][-1], run.history["d_loss"][-1])
