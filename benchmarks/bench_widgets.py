"""The slider widgets' latency, and what encoding their frames as PNG costs.

D* explorer: latency from a slider change to numbers and figure redrawn (budget 50 ms). Setting
a control's ``.value`` runs the explorer's observer synchronously: it recomputes the
divergences, redraws the figure and encodes the PNG before the assignment returns, so the time
of the assignment is the latency a lecturer feels (less the browser's own paint). The changes
imitate dragging: runs of small steps on one slider, across the whole range of most sliders,
plus family switches.

Latent explorer: the same for a drag of z1 across its range (after a short AE and VAE training
on the digits).

PNG: every frame of every widget is sent as a PNG. The widgets' own encoder
(:func:`ganlab.widgets.render.png_bytes`: no row filter, zlib level 1) against Pillow's, on the
D* explorer's and the trainer's frames; printed with the share of a frame's budget each takes.
"""

from __future__ import annotations

import io
import time

import numpy as np

BUDGET_MS = 50.0
TRAINER_FRAME_MS = 1000 / 12  # the live trainer draws about 12 frames a second
REPEATS = 40


def _drag(control, start: float, stop: float, steps: int) -> list:
    return [(control, float(v)) for v in np.linspace(start, stop, steps)]


def _changes(e) -> list:
    """About 150 (control, value) pairs; every slider kind, the ends of the ranges, families."""
    moves = []
    moves += _drag(e.probe, -8.0, 8.0, 20)
    moves += _drag(e.data_mean1, -2.0, -4.0, 6) + _drag(e.data_mean2, 2.0, 4.0, 6)
    moves += _drag(e.data_std, 0.5, 0.1, 8) + _drag(e.data_std, 0.1, 1.2, 10)
    moves += _drag(e.data_weight, 0.5, 1.0, 6) + _drag(e.data_weight, 1.0, 0.0, 6)
    moves += _drag(e.g_mean, 0.0, 4.0, 10) + _drag(e.g_std, 1.0, 0.1, 10)
    moves += [(e.data_family, "normal")] + _drag(e.data_mean, 0.0, -4.0, 8)
    moves += _drag(e.probe, 8.0, -8.0, 12)
    moves += [(e.data_family, "uniform")] + _drag(e.data_width, 4.0, 0.2, 8)
    moves += _drag(e.data_centre, 0.0, 4.0, 8)
    moves += [(e.g_family, "uniform"), (e.g_family, "mixture"), (e.data_family, "mixture")]
    moves += _drag(e.g_mean1, -2.0, 2.0, 8) + _drag(e.g_std, 0.1, 0.6, 6)
    moves += [(e.g_family, "normal"), (e.data_family, "normal")]
    return moves


def _dstar() -> None:
    from ganlab.widgets import DStarExplorer

    start = time.perf_counter()
    e = DStarExplorer()
    print(f"construct (first figure, first compile): {1e3 * (time.perf_counter() - start):.0f} ms")

    # Warm-up: every family on both sides once (first use of an op shape compiles it).
    for side in ("data", "g"):
        for family in ("normal", "uniform", "mixture"):
            e.controls[f"{side}_family"].value = family
    e.close()

    e = DStarExplorer()
    moves = _changes(e)
    latencies, parts = [], []
    for control, value in moves:
        if control.value == value:
            continue
        t0 = time.perf_counter()
        control.value = value  # the observer redraws before this returns
        latencies.append(1e3 * (time.perf_counter() - t0))
        parts.append(e.last_timing)
    e.close()

    lat = np.asarray(latencies)
    median, p90, worst = np.median(lat), np.percentile(lat, 90), lat.max()
    redraws = sum(p["background"] for p in parts)
    print(f"slider changes timed: {lat.size} ({redraws} drew a background for the first time: "
          "axes, ticks, labels)")
    print(f"latency  median {median:.1f} ms   p90 {p90:.1f} ms   max {worst:.1f} ms")
    steady = lat[[not p["background"] for p in parts]]
    print(f"  without them (backgrounds stored): p90 {np.percentile(steady, 90):.1f} ms   "
          f"max {steady.max():.1f} ms")
    for key in ("numbers", "draw", "encode"):
        print(f"  median {key:8s} {np.median([p[key] for p in parts]):6.1f} ms")
    verdict = "PASS" if median <= BUDGET_MS else "over"
    print(f"budget {BUDGET_MS:.0f} ms (median): {verdict}")


def _latent() -> None:
    from ganlab import datasets
    from ganlab.autoencoding import AEConfig, train_autoencoder
    from ganlab.widgets import LatentExplorer

    images, labels = datasets.load("digits", "train")
    config = AEConfig(steps=300, hidden=(64,), chunk_size=300)
    runs = [train_autoencoder(images, config.replace(kind=kind), progress=False)
            for kind in ("ae", "vae")]
    e = LatentExplorer(*runs, images[:400], labels[:400])
    e.set(z1=0.1, z2=0.1)  # warm-up
    latencies, parts = [], []
    for value in np.linspace(e.low, e.high, 25):
        t0 = time.perf_counter()
        e.controls["z1"].value = float(value)
        latencies.append(1e3 * (time.perf_counter() - t0))
        parts.append(e.last_timing)
    e.close()
    print(f"\nlatent explorer, z1 dragged over {len(latencies)} values: latency median "
          f"{np.median(latencies):.1f} ms   max {np.max(latencies):.1f} ms")
    for key in ("decode", "draw", "encode"):
        print(f"  median {key:8s} {np.median([p[key] for p in parts]):6.1f} ms")


def _pillow(rgba: np.ndarray, level: int) -> bytes:
    from PIL import Image

    h, w = rgba.shape[:2]
    out = io.BytesIO()
    Image.frombuffer("RGBA", (w, h), rgba, "raw", "RGBA", 0, 1).save(
        out, "PNG", compress_level=level)
    return out.getvalue()


def _png() -> None:
    from ganlab.widgets import DStarExplorer, GANTrainer
    from ganlab.widgets.render import png_bytes

    explorer, trainer = DStarExplorer(), GANTrainer("ring")
    trainer.step(2000)  # a frame with trained samples, curves and arrows in it
    encoders = {
        "png_bytes (widgets)": png_bytes,
        "Pillow, compress_level=1": lambda rgba: _pillow(rgba, 1),
        "Pillow, default level 6": lambda rgba: _pillow(rgba, 6),
    }
    print(f"\nPNG encoding of one frame, median of {REPEATS}:")
    for name, widget, budget in (("D* explorer", explorer, BUDGET_MS),
                                 ("trainer", trainer, TRAINER_FRAME_MS)):
        rgba = np.asarray(widget.figure.canvas.buffer_rgba())
        print(f"  {name} ({rgba.shape[1]} × {rgba.shape[0]} px; budget {budget:.0f} ms)")
        for label, encode in encoders.items():
            times = []
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                size = len(encode(rgba))
                times.append(1e3 * (time.perf_counter() - t0))
            ms = np.median(times)
            print(f"    {label:26s} {ms:6.1f} ms ({100 * ms / budget:4.1f} % of the budget)"
                  f"   min {np.min(times):5.1f} ms   {size / 1e3:6.1f} kB")
    explorer.close()
    trainer.close()


def main() -> None:
    _dstar()
    _latent()
    _png()


if __name__ == "__main__":
    main()
