""":class:`GANTrainer`: a GAN training live in the notebook, in the spirit of GAN Lab.

Play, pause, reset; one training iteration, a discriminator step only or a generator step only;
a slow-motion mode that walks through one update (sample → classify → loss → gradient →
update) in words. Learning rates, loss, k and batch size change the running training at once;
data, width, depth and noise size start new networks.

Training runs in the engine's compiled chunks (:class:`ganlab.training.GANRun`); every view of a
frame comes from one more compiled call; the figure is drawn with Agg onto stored backgrounds
and sent as a PNG. The parts, one module each:

- :mod:`~ganlab.widgets.trainer.widget`: :class:`GANTrainer`: controls, buttons, the run, and
  the redraw that ties the parts together;
- :mod:`~ganlab.widgets.trainer.views`: a frame's numbers (fakes, warped noise grid, D, ∇ₓD)
  and how good the generator is (exact JSD in 1D, modes captured in 2D);
- :mod:`~ganlab.widgets.trainer.figure`: the three panels, drawn by blitting;
- :mod:`~ganlab.widgets.trainer.play`: playing: training and drawing overlapped, steps per
  frame adapted to the measured speed;
- :mod:`~ganlab.widgets.trainer.narration`: slow motion, one update in five stages;
- :mod:`~ganlab.widgets.trainer.defaults`: :data:`DATA_PRESETS`, :data:`TRAINER_CONFIG`.
"""

from __future__ import annotations

from ganlab.widgets.trainer.defaults import DATA_PRESETS, TRAINER_CONFIG
from ganlab.widgets.trainer.widget import GANTrainer

__all__ = ["GANTrainer", "DATA_PRESETS", "TRAINER_CONFIG"]
