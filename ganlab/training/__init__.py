"""Train GANs with Algorithm 1 of Goodfellow et al. (2014), compiled into long device loops.

One *step* is one training iteration of Algorithm 1: k times, draw a fresh minibatch of m data
points and m noise vectors and take one Adam step on the discriminator's loss (ascent on V);
then draw fresh noise and take one Adam step on the generator's loss.

Where to read (each module is short):

- :mod:`~ganlab.training.config`: :class:`GANConfig`, every setting of a run, validated;
- :mod:`~ganlab.training.data`: where minibatches and noise come from;
- :mod:`~ganlab.training.step`: :func:`~ganlab.training.step.algorithm1_step`, the algorithm
  on one screen, and the compiled loop that runs it chunk by chunk;
- :mod:`~ganlab.training.train`: :func:`train_gan`, the entry point;
- :mod:`~ganlab.training.run`: :class:`GANRun` (train, sample, query);
- :mod:`~ganlab.training.seeds`: :func:`train_seeds`, several seeds trained side by side.

Shapes: data is a ganlab distribution, an array ``(n, d)``, or images ``(n, h, w, c)`` in
[0, 1]; the generator maps noise ``(m, noise_dim)`` to ``(m, d)`` or ``(m, h, w, c)``; the
discriminator maps those to logits ``(m,)``. Saving and loading runs: :mod:`ganlab.checkpoints`;
tuned settings: :mod:`ganlab.presets`.
"""

from ganlab.loop import TrainingDiverged
from ganlab.training.config import HISTORY_KEYS, NOISES, GANConfig
from ganlab.training.data import Minibatches, noise
from ganlab.training.run import GANRun, PendingSteps
from ganlab.training.seeds import train_seeds
from ganlab.training.train import train_gan

_noise = noise  # the name the live trainer imported before ``noise`` was public

__all__ = ["GANConfig", "GANRun", "Minibatches", "PendingSteps", "TrainingDiverged", "train_gan",
           "train_seeds", "noise", "HISTORY_KEYS", "NOISES"]
