"""What the widgets share: drawing onto stored backgrounds, PNG frames, the lecture style, the
numeric readout, and :class:`FigureWidget` (controls set by name, display, close).

Widgets draw with matplotlib's Agg renderer straight into an ``ipywidgets.Image`` (PNG), so they
look the same under every matplotlib backend (inline, ipympl) and run headless in tests. A
figure is built once; an update puts new data into its *animated* artists and draws only those,
onto stored pixels of everything else (axes, ticks, labels: :class:`Backgrounds`, :func:`blit`).
Text is slow to draw, so a background is drawn once per axis scale and reused.
"""

from __future__ import annotations

import contextlib
import numbers
import struct
import zlib

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ganlab import plots

__all__ = ["Backgrounds", "FigureWidget", "Shown", "TEXT_PX", "agg_figure", "blit", "check_dpi",
           "check_values", "close_tree", "fix_layout", "lecture_style", "png_bytes",
           "readout_table"]

TEXT_PX = 16
"""The widgets' HTML text (readouts, narration) in CSS pixels: 12 pt, like the smallest text of
their figures (ticks, legends), readable from the back of a lecture hall."""


# ---- pixels -----------------------------------------------------------------------------------


def png_bytes(rgba: np.ndarray, level: int = 1) -> bytes:
    """Encode an ``(h, w, 4)`` uint8 RGBA buffer (Agg's) as PNG: no row filter, fast zlib level.

    A few milliseconds for a lecture-sized figure: three to five times faster than Pillow's
    encoder at its fastest level, which chooses a filter for every row (``python -m benchmarks
    widgets`` prints both). The widgets encode one of these per frame.
    """
    h, w = rgba.shape[:2]
    rows = np.empty((h, 1 + 4 * w), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None" for every scanline
    rows[:, 1:] = np.asarray(rgba, dtype=np.uint8).reshape(h, 4 * w)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
        + chunk(b"IEND", b"")
    )


@contextlib.contextmanager
def lecture_style():
    """rcParams of :func:`ganlab.plots.use_lecture_style` inside a ``with`` block only."""
    with mpl.rc_context():
        plots.use_lecture_style()
        yield


def agg_figure(size: tuple[float, float], dpi: float, layout: str = "constrained") -> Figure:
    """A Figure of ``size`` inches on an Agg canvas (no pyplot, no backend involved)."""
    figure = Figure(figsize=size, dpi=dpi, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def fix_layout(figure: Figure, artists) -> None:
    """Lay ``figure`` out once (in the lecture style), then keep every position fixed; mark
    ``artists`` animated: left out of the stored backgrounds and drawn by :func:`blit`."""
    if figure.get_layout_engine() is not None:
        with lecture_style():
            figure.canvas.draw()
        figure.set_layout_engine("none")
    for artist in artists:
        artist.set_animated(True)


class Backgrounds:
    """Stored pixels of a figure's still parts (all but its animated artists), by a key such as
    the axis limits they were drawn with. ``box``: the region stored (default: the whole
    figure); ``keep_all=False`` keeps only the latest key (limits that never come back)."""

    def __init__(self, figure, box=None, keep_all: bool = True):
        self.figure, self.box, self.keep_all = figure, box, keep_all
        self._stored: dict = {}

    def __contains__(self, key) -> bool:
        return key in self._stored

    def store(self, key) -> None:
        if not self.keep_all:
            self._stored.clear()
        self._stored[key] = self.figure.canvas.copy_from_bbox(self.box or self.figure.bbox)

    def restore(self, key) -> None:
        self.figure.canvas.restore_region(self._stored[key])


def blit(figure, artists, layers) -> bool:
    """Put stored backgrounds on ``figure``'s canvas, then draw ``artists`` over them.

    ``layers``: ``(Backgrounds, key)`` pairs, restored in order. When any key is new the whole
    figure is drawn first (animated artists left out) and every layer stores its part. Returns
    True when it drew, the slow case.
    """
    drawn = any(key not in backgrounds for backgrounds, key in layers)
    if drawn:
        with lecture_style():
            figure.canvas.draw()
        for backgrounds, key in layers:
            backgrounds.store(key)
    for backgrounds, key in layers:
        backgrounds.restore(key)
    for artist in artists:
        figure.draw_artist(artist)
    return drawn


# ---- widgets ----------------------------------------------------------------------------------


def close_tree(widget) -> None:
    """Close ``widget`` and, first, every widget below it (``children`` of boxes)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


def readout_table(rows, font_size: int = TEXT_PX) -> str:
    """An HTML table of ``(label, value text)`` rows, values right-aligned in monospace: the
    numeric readout beside every widget's figure (``font_size`` in CSS pixels). Its lines never
    wrap: a number is read whole or not at all."""
    body = "".join(
        f"<tr><td style='padding-right:14px'>{name}</td>"
        f"<td style='text-align:right;font-family:monospace'>{value}</td></tr>"
        for name, value in rows
    )
    return (f"<table style='font-size:{font_size}px;line-height:1.5;white-space:nowrap'>"
            f"{body}</table>")


def check_values(controls: dict, values: dict) -> None:
    """Raise ``ValueError`` unless every ``name: value`` in ``values`` fits ``controls[name]``:
    a Dropdown's option values, a Checkbox's True or False, an IntSlider's integers and a
    (log) slider's range."""
    for name, value in values.items():
        control = controls.get(name)
        if control is None:
            raise ValueError(f"unknown control {name!r}; the controls are: {', '.join(controls)}")
        if isinstance(control, widgets.Dropdown):
            allowed = [o[1] if isinstance(o, tuple) else o for o in control.options]
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        elif isinstance(control, widgets.Checkbox):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False, got {value!r}")
        else:
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if isinstance(control, widgets.IntSlider):
                ok = ok and float(value).is_integer()
            low, high = control.min, control.max
            if isinstance(control, widgets.FloatLogSlider):
                low, high = control.base ** low, control.base ** high
            if not ok or not low <= value <= high:
                raise ValueError(f"{name} must be a number from {low:g} to {high:g}, "
                                 f"got {value!r}")


def check_dpi(dpi) -> float:
    """``dpi`` as a float; ``ValueError`` unless it is a number from 40 to 200."""
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not 40 <= dpi <= 200:
        raise ValueError(f"dpi must be a number from 40 to 200, got {dpi!r}")
    return float(dpi)


class Shown:
    """Shows ``self.widget`` in a notebook; :meth:`close` closes it and every widget in it."""

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close every widget (frees them in the notebook)."""
        close_tree(self.widget)


class FigureWidget(Shown):
    """What the figure widgets share: ``self.controls`` (name → ipywidget) set by name and
    checked (:meth:`set`), a change reaching ``self._changed(names)`` once, and the figure sent
    to ``self.image`` as PNG with ``self._readout_html()`` in ``self.readout`` (:meth:`_show`).

    Setting a control's ``.value`` (in code or by dragging) calls ``_changed({name})``;
    :meth:`set` changes several and calls it once. Observers are attached by the subclass
    (:meth:`_observe`) once it has drawn its first frame.
    """

    controls: dict
    _holding = False

    def set(self, **values) -> None:
        """Set controls by name, e.g. ``set(name=value, ...)``, then update once. An unknown
        name or a value a control does not allow raises ``ValueError`` and changes nothing."""
        self._assign(values)
        self._changed(set(values))

    def _assign(self, values: dict) -> None:
        check_values(self.controls, values)
        with self._held():
            for name, value in values.items():
                self.controls[name].value = value

    @contextlib.contextmanager
    def _held(self):
        """Controls changed inside this block do not call :meth:`_changed`."""
        before, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = before

    def _make_outputs(self) -> None:
        """``self.image`` (the figure, PNG) and ``self.readout`` (HTML: the numbers, which
        keep their width: a row of the page too narrow for both shrinks the image)."""
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML(layout=widgets.Layout(flex="0 0 auto"))

    def _observe(self) -> None:
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, change) -> None:
        if not self._holding:
            self._changed({next(n for n, c in self.controls.items() if c is change["owner"])})

    def _changed(self, names: set) -> None:
        raise NotImplementedError

    def _show(self) -> None:
        """The canvas as PNG into ``self.image``, the numbers into ``self.readout``."""
        self.image.value = png_bytes(np.asarray(self.figure.canvas.buffer_rgba()))
        self.readout.value = self._readout_html()

    def close(self) -> None:
        """Stop listening to the controls and close every widget."""
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        super().close()
