"""Interactive explorers for the lecture, built on ipywidgets.

- :class:`DStarExplorer` (:mod:`ganlab.widgets.dstar`): drag P_data, P_G and a probe point;
  watch D*, f(D) at the probe, the exact JSD, both KLs and V(G, D*) respond at once.
- :class:`GANTrainer` (:mod:`ganlab.widgets.trainer`): train a GAN live (play, pause, step,
  D or G only, slow motion) and watch D's heat map, the samples and the losses.
- :class:`LatentExplorer` (:mod:`ganlab.widgets.latent`): slide a 2D code and see what the
  auto-encoder's and the VAE's decoders make of it, side by side.
- :class:`DataSketch` (:mod:`ganlab.widgets.sketch`): draw 2D data with the mouse and hand it
  to the trainer: ``GANTrainer(sketch.distribution())``.

Every widget but the sketch draws with Agg into an ``ipywidgets.Image``; the sketch needs mouse
events, so its plane is an ipympl canvas. What they share (controls set by name, redrawing onto
stored backgrounds, PNG frames, display and close) is one copy, in :mod:`ganlab.widgets.render`.
"""

from __future__ import annotations

from ganlab.widgets.dstar import DStarExplorer
from ganlab.widgets.latent import LatentExplorer
from ganlab.widgets.sketch import DataSketch
from ganlab.widgets.trainer import GANTrainer

__all__ = ["DStarExplorer", "DataSketch", "GANTrainer", "LatentExplorer"]
