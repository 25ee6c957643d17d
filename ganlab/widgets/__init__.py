"""Interactive explorers for the lecture, built on ipywidgets.

- :class:`DStarExplorer` (:mod:`ganlab.widgets.dstar`): drag P_data, P_G and a probe point;
  watch D*, f(D) at the probe, the exact JSD, both KLs and V(G, D*) respond at once.

Every widget draws with Agg into an ``ipywidgets.Image`` (:mod:`ganlab.widgets.render`).
"""

from __future__ import annotations

from ganlab.widgets.dstar import DStarExplorer

__all__ = ["DStarExplorer"]
