"""The configuration of a GAN run: :class:`GANConfig`, and which of its fields shape the
compiled program (:func:`program_fields`).

Learning rates, Adam's betas and the seed are *data* of the compiled program (they live in the
optimiser state and the keys), and so is the choice among the losses without a penalty
(:data:`ganlab.losses.SWITCHABLE`): changing them recompiles nothing. Every other field shapes
the program and is part of its cache key. A field added later is part of the key unless it is named
in :data:`DATA_FIELDS`, so it can never silently reuse a stale program.
"""

from __future__ import annotations

import dataclasses

from ganlab.loop import Config
from ganlab.losses import get_loss, program_loss
from ganlab.models import ACTIVATIONS
from ganlab.models.conv import NORMS
from ganlab.validate import choice, flag, integer, number, positive_float, positive_int, widths

__all__ = ["GANConfig", "HISTORY_KEYS", "NOISES", "DATA_FIELDS", "program_fields"]

HISTORY_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")
"""Per-step history: the discriminator's loss (mean over its k steps, gradient penalty
included), the generator's loss, and the mean discriminator output on the real and the fake
minibatch (probabilities for the cross-entropy losses, raw scores otherwise)."""

NOISES = ("gaussian", "uniform", "mixture")

DATA_FIELDS = frozenset({"lr_generator", "lr_discriminator", "beta1", "beta2", "seed", "steps"})
"""Fields that are inputs of the compiled program rather than part of it."""


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
        checked = {name: positive_int(name, getattr(self, name))
                   for name in ("k", "steps", "batch_size", "latent_dim", "chunk_size", "pack")}
        checked |= {name: positive_float(name, getattr(self, name))
                    for name in ("lr_generator", "lr_discriminator", "gp_weight")}
        checked |= {name: number(name, getattr(self, name), low=0.0, high=1.0, high_open=True)
                    for name in ("beta1", "beta2")}
        checked["r1_weight"] = number("r1_weight", self.r1_weight, low=0.0, note="(0: no R1)")
        checked["seed"] = integer("seed", self.seed, low=0)
        checked["n_classes"] = integer("n_classes", self.n_classes, low=0,
                                       note="(0: not conditional)")
        checked["hidden"] = widths("hidden", self.hidden)
        if self.hidden_discriminator is not None:
            checked["hidden_discriminator"] = widths("hidden_discriminator",
                                                     self.hidden_discriminator)
        checked["channels"] = widths("channels", self.channels)
        checked["standardize"] = flag("standardize", self.standardize)
        choice("activation", self.activation, sorted(ACTIVATIONS))
        choice("noise", self.noise, NOISES)
        choice("norm", self.norm, NORMS)
        if self.noise == "mixture":
            checked["n_components"] = positive_int("n_components", self.n_components)
        elif self.n_components != 0:
            raise ValueError(f"n_components ({self.n_components!r}) is for noise='mixture' "
                             f"only; leave it 0 with noise={self.noise!r}")
        if checked["batch_size"] % checked["pack"]:
            raise ValueError(f"batch_size ({self.batch_size}) must be divisible by pack "
                             f"({self.pack}): each minibatch is cut into packs of that size")
        if not checked["channels"]:
            raise ValueError("channels must list at least one level, e.g. (64, 32)")
        for name, value in checked.items():
            object.__setattr__(self, name, value)

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
        """The fields that decide the networks' shapes (a checkpoint must match them)."""
        return (self.latent_dim, self.hidden, self.d_hidden, self.activation, self.pack,
                self.channels, self.norm, self.n_classes, self.n_components)


def program_fields(config: GANConfig) -> tuple:
    """``((name, value), ...)`` of every field that shapes the compiled program: all fields but
    :data:`DATA_FIELDS`, with ``loss`` as :func:`ganlab.losses.program_loss` gives it. Part of
    the key of the compiled-program cache."""
    shaping = {"loss": program_loss(config.loss)}
    return tuple((f.name, shaping.get(f.name, getattr(config, f.name)))
                 for f in dataclasses.fields(config) if f.name not in DATA_FIELDS)
