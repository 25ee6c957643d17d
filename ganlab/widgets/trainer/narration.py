"""Slow motion: one training iteration of the live trainer, told in five stages.

1. sample: a minibatch of data and of noise, and the fakes G makes of the noise (shown in 2D);
2. classify: what D says of both; 3. loss: both networks' losses on them; 4. gradient: the
arrows ∇ₓD at the fakes, where G's update will push them; 5. update: the step itself (Adam moves
D k times, then G once), after which the trainer redraws.

The numbers are those of the engine's own next minibatch (:meth:`GANRun.minibatches`), so the
step taken at the end is the one narrated.
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import jax.numpy as jnp
import numpy as np

from ganlab.losses import get_loss
from ganlab.widgets.trainer.views import N_ARROWS, Views

__all__ = ["STAGES", "narrated_update"]

STAGES = ("sample", "classify", "loss", "gradient", "update")


def _noise_text(c) -> str:
    return {"uniform": f"U(−1, 1)<sup>{c.latent_dim}</sup>",
            "gaussian": f"N(0, 1)<sup>{c.latent_dim}</sup>",
            "mixture": (f"(one of {c.n_components} codes, "
                        f"U(−1, 1)<sup>{c.latent_dim}</sup>)")}[c.noise]


def narrated_update(trainer) -> Iterator[str]:
    """Each ``next`` shows one stage of the next training iteration of ``trainer`` (a
    :class:`~ganlab.widgets.GANTrainer`): the figure, and one more sentence in
    ``trainer.narration``; it yields that sentence (HTML). The last stage takes the step."""
    trainer.player.settle()
    run, c = trainer.run, trainer.run.config
    loss = get_loss(c.loss)
    batch = run.minibatches(run.step + 1)
    real, z = np.asarray(batch.reals[0]), batch.d_noise[0]
    fake = np.asarray(run.generator(z))
    m, pack = len(real), c.pack
    plane = trainer.p_data.dim == 2
    texts = []

    def show(stage, text):
        texts.append(f"<b>{len(texts) + 1}. {stage}</b>: {text}")
        trainer.narration.value = "<br>".join(texts)
        return texts[-1]

    if plane:
        trainer.plot.show_points(real=real, fake=fake)
        trainer.plot.blit()
        trainer._show()
    yield show("sample", f"draw {m} data points x ~ p<sub>data</sub> (black) and {m} noise "
                         f"vectors z ~ {_noise_text(c)}; G maps them to {m} fakes G(z) (green)")
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
    grads = Views.gradient_at(run, fake[:N_ARROWS])
    if plane:
        trainer.plot.show_arrows(fake[:N_ARROWS], grads)
        trainer.plot.blit()
        trainer._show()
    norm = float(np.mean(np.linalg.norm(grads, axis=-1)))
    yield show("gradient", f"backpropagation gives each network's gradient; the arrows ∇ₓD "
                           f"at the fakes (mean length {norm:.3g}) show where G's update "
                           f"will push them")
    trainer.step(1)
    yield show("update", f"Adam moves D ({c.k} step{'s' if c.k > 1 else ''}, each on fresh "
                         f"minibatches) then G once: step {run.step} done, D's loss "
                         f"{trainer.values['d_loss']:.3f}, G's loss "
                         f"{trainer.values['g_loss']:.3f}")
