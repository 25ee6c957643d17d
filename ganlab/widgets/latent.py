""":class:`LatentExplorer`: two sliders pick a 2D code z = (z₁, z₂); the auto-encoder's and the
VAE's decoders turn it into an image, side by side, with z marked on each model's code space.

A plain auto-encoder's codes fill a small, irregular region: move z into a hole and its decoder
produces something that is no digit. The VAE's codes are pulled towards N(0, I): every z near
the origin decodes to a plausible digit. The readout says how far z is from the nearest encoded
training image in each code space, and which digit that image shows.

Like :class:`~ganlab.widgets.DStarExplorer`, the figure is built once; a slider move restores the
stored background (the two scatters), draws only the markers and the two decoded images, and
encodes the canvas as PNG (:mod:`ganlab.widgets.render`).
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from ganlab import plots
from ganlab.widgets.render import (Backgrounds, FigureWidget, agg_figure, blit, check_dpi,
                                   fix_layout, lecture_style, readout_table)

__all__ = ["LatentExplorer"]

_MODELS = ("ae", "vae")
_TITLES = {"ae": "auto-encoder", "vae": "VAE"}


class LatentExplorer(FigureWidget):
    """Sliders over a 2D code z → AE and VAE decoded images, z marked on both code spaces.

    ``ae_run``, ``vae_run``: trained :class:`~ganlab.autoencoding.AERun` of kind "ae" and "vae",
    both with ``latent_dim=2``; ``images`` ``(n, h, w, c)`` and ``labels`` ``(n,)``: the points
    shown in each code space (e.g. the training images). Sliders span ``[low, high]`` (default:
    the range of both code clouds). Public: ``controls`` ({"z1", "z2"} sliders), ``image``
    (``ipywidgets.Image``), ``readout`` (HTML), ``widget`` (everything), ``values`` (the numbers
    shown), ``last_timing`` (ms of the last redraw), :meth:`set` (``z1``, ``z2``; one redraw).
    """

    def __init__(self, ae_run, vae_run, images, labels, *, low: float | None = None,
                 high: float | None = None, dpi: float = 80.0,
                 continuous_update: bool = True):
        dpi = check_dpi(dpi)
        self.runs = {"ae": ae_run, "vae": vae_run}
        for name, run in self.runs.items():
            kind = getattr(getattr(run, "config", None), "kind", None)
            if kind != name:
                raise ValueError(f"{name}_run must be a trained AERun of kind {name!r}, "
                                 f"got {type(run).__name__} of kind {kind!r}")
            if run.config.latent_dim != 2:
                raise ValueError(f"{name}_run must have latent_dim=2 (two sliders), got "
                                 f"{run.config.latent_dim}")
        labels = np.asarray(labels).reshape(-1)
        self.codes = {name: np.asarray(run.encode(images)) for name, run in self.runs.items()}
        if labels.shape[0] != self.codes["ae"].shape[0]:
            raise ValueError(f"labels must have one entry per image: {labels.shape[0]} labels, "
                             f"{self.codes['ae'].shape[0]} images")
        self.labels = labels
        every = np.concatenate(list(self.codes.values()))
        low = float(np.floor(every.min())) if low is None else float(low)
        high = float(np.ceil(every.max())) if high is None else float(high)
        if not low < high:
            raise ValueError(f"low must be below high, got low={low}, high={high}")
        self.low, self.high = low, high
        self.controls = {
            name: widgets.FloatSlider(value=0.0 if low <= 0.0 <= high else low, min=low,
                                      max=high, step=0.05, description=name,
                                      readout_format=".2f", continuous_update=continuous_update)
            for name in ("z1", "z2")}
        self.values: dict = {}
        self.last_timing: dict = {}
        for run in self.runs.values():           # compile the one-code decoder now
            run.decode(np.zeros((1, 2), np.float32))
        self._build_figure(dpi)
        self._make_outputs()
        self.widget = widgets.VBox([self.image, widgets.HBox(
            [widgets.VBox(list(self.controls.values())), self.readout])])
        self.update()
        self._observe()

    # ---- figure ----------------------------------------------------------------------------

    def _build_figure(self, dpi: float) -> None:
        with lecture_style():
            fig = agg_figure((11.5, 4.2), dpi, layout="none")
            self.axes, self.artists = {}, {}
            h, w, _ = self.runs["ae"].image_shape
            for i, name in enumerate(_MODELS):
                left = 0.5 * i
                ax_codes = fig.add_axes((left + 0.065, 0.15, 0.2, 0.72))
                plots.plot_codes(self.codes[name], self.labels, ax=ax_codes, size=4,
                                 legend=False, title=f"{_TITLES[name]}: codes")
                ax_codes.set_xlim(self.low, self.high)
                ax_codes.set_ylim(self.low, self.high)
                ax_image = fig.add_axes((left + 0.29, 0.15, 0.19, 0.72))
                ax_image.set_axis_off()
                ax_image.set_title(f"{name.upper()}: decoder(z)")
                self.artists[f"{name}_marker"], = ax_codes.plot(
                    [0.0], [0.0], marker="X", markersize=16, color="black",
                    markeredgecolor="white", markeredgewidth=1.5, linestyle="none")
                self.artists[f"{name}_image"] = ax_image.imshow(
                    np.zeros((h, w)), cmap="gray_r", vmin=0.0, vmax=1.0,
                    interpolation="nearest")
                self.axes[f"{name}_codes"], self.axes[f"{name}_image"] = ax_codes, ax_image
        fix_layout(fig, self.artists.values())
        self.figure = fig
        self._background = Backgrounds(fig)  # the two scatters: drawn once, never rescaled

    def _changed(self, names: set) -> None:
        self.update()

    # ---- update ----------------------------------------------------------------------------

    def update(self) -> None:
        """Decode z with both models; redraw markers, images and readout; time it."""
        t0 = time.perf_counter()
        z = np.array([[self.controls["z1"].value, self.controls["z2"].value]], np.float32)
        values = {"z1": float(z[0, 0]), "z2": float(z[0, 1])}
        decoded = {}
        for name, run in self.runs.items():
            decoded[name] = np.asarray(run.decode(z))[0, ..., 0]
            dist = np.linalg.norm(self.codes[name] - z, axis=1)
            nearest = int(np.argmin(dist))
            values[f"{name}_nearest_distance"] = float(dist[nearest])
            values[f"{name}_nearest_digit"] = int(self.labels[nearest])
            values[f"{name}_ink"] = float(decoded[name].mean())
        values["prior_density"] = float(np.exp(-0.5 * np.sum(z**2)) / (2 * np.pi))
        self.values = values
        t1 = time.perf_counter()
        for name in _MODELS:
            self.artists[f"{name}_marker"].set_data([values["z1"]], [values["z2"]])
            self.artists[f"{name}_image"].set_data(decoded[name])
        blit(self.figure, self.artists.values(), [(self._background, None)])
        t2 = time.perf_counter()
        self._show()
        t3 = time.perf_counter()
        self.last_timing = {"decode": 1e3 * (t1 - t0), "draw": 1e3 * (t2 - t1),
                            "encode": 1e3 * (t3 - t2), "total": 1e3 * (t3 - t0)}

    def _readout_html(self) -> str:
        v = self.values
        rows = [("z", f"({v['z1']:.2f}, {v['z2']:.2f})"),
                ("prior density N(z; 0, I)", f"{v['prior_density']:.4f}")]
        for name in _MODELS:
            distance, digit = v[f"{name}_nearest_distance"], v[f"{name}_nearest_digit"]
            rows.append((f"{_TITLES[name]}: nearest training code",
                         f"{distance:.2f} away (a {digit})"))
            rows.append((f"{_TITLES[name]}: mean ink of decoder(z)", f"{v[f'{name}_ink']:.3f}"))
        return readout_table(rows)

    # ---- display ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (f"LatentExplorer(z1={self.controls['z1'].value:g}, "
                f"z2={self.controls['z2'].value:g})")
