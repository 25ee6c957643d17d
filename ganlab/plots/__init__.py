"""Matplotlib figures for a lecture hall: large fonts, thick lines, one colourblind-safe palette.

p_data, p_G, the learned D and the exact D* always have the same colour and line style
(:data:`STYLE`), in every notebook and widget. Functions draw on an ``ax`` they are given, or
make a new figure, and return what they drew; nothing here keeps global state except
:func:`use_lecture_style`, which a notebook calls once.

- :mod:`ganlab.plots.core`: the style and the 1D figures (densities, D and D*, divergences)
- :mod:`ganlab.plots.training`: a GAN while it trains (Fig. 1's moment, losses, JSD, gradients)
- :mod:`ganlab.plots.images`: grids of images
- :mod:`ganlab.plots.diagrams`: block diagrams of later GAN architectures
- :mod:`ganlab.plots.latent`: an auto-encoder's code space (codes, manifold, interpolation)
- :mod:`ganlab.plots.planes`: 2D GAN views (D's heat map, points, gradient arrows, warped grid)
"""

from __future__ import annotations

from ganlab.plots.core import *  # noqa: F403
from ganlab.plots.core import __all__ as _core_all
from ganlab.plots.diagrams import *  # noqa: F403
from ganlab.plots.diagrams import __all__ as _diagrams_all
from ganlab.plots.images import *  # noqa: F403
from ganlab.plots.images import __all__ as _images_all
from ganlab.plots.latent import *  # noqa: F403
from ganlab.plots.latent import __all__ as _latent_all
from ganlab.plots.planes import *  # noqa: F403
from ganlab.plots.planes import __all__ as _planes_all
from ganlab.plots.training import *  # noqa: F403
from ganlab.plots.training import __all__ as _training_all

__all__ = [*_core_all, *_training_all, *_images_all, *_planes_all, *_latent_all,
           *_diagrams_all]
