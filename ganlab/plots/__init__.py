"""Matplotlib figures for a lecture hall: large fonts, thick lines, one colourblind-safe palette.

p_data, p_G, the learned D and the exact D* always have the same colour and line style
(:data:`STYLE`), in every notebook and widget. Functions draw on an ``ax`` they are given, or
make a new figure, and return what they drew; nothing here keeps global state except
:func:`use_lecture_style`, which a notebook calls once.

- :mod:`ganlab.plots.core`: the style and the 1D figures (densities, D and D*, divergences)
- :mod:`ganlab.plots.images`: grids of images
"""

from __future__ import annotations

from ganlab.plots.core import *  # noqa: F403
from ganlab.plots.core import __all__ as _core_all
from ganlab.plots.images import *  # noqa: F403
from ganlab.plots.images import __all__ as _images_all

__all__ = [*_core_all, *_images_all]
