"""DataSketch: strokes drawn with the mouse (or from code) become 2D training data."""

import jax
import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

from ganlab import distributions as dist
from ganlab.widgets import DataSketch, GANTrainer


@pytest.fixture(autouse=True)
def _backend_restored():
    """Importing ipympl makes it matplotlib's backend; the other tests expect the one before."""
    import matplotlib

    before = matplotlib.get_backend()
    yield
    matplotlib.use(before)


def mouse(sketch, name, x, y):
    """Send the canvas a mouse event at data coordinates (x, y)."""
    px, py = sketch._ax.transData.transform((x, y))
    event = MouseEvent(name, sketch.figure.canvas, px, py, button=1)
    sketch.figure.canvas.callbacks.process(name, event)


def test_a_stroke_is_resampled_every_spacing_and_becomes_a_mixture():
    sketch = DataSketch(scale=0.05, spacing=0.25)
    sketch.add_stroke([[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(sketch.points, [[0, 0], [0.25, 0], [0.5, 0], [0.75, 0], [1, 0]])
    p = sketch.distribution()
    assert isinstance(p, dist.Mixture) and p.dim == 2 and p.scale == 0.05
    np.testing.assert_allclose(np.asarray(p.modes), sketch.points, atol=1e-6)
    x = np.asarray(p.sample(jax.random.key(0), 4000))
    assert abs(x[:, 1].std() - 0.05) < 0.005 and 0.3 < x[:, 0].mean() < 0.7
    assert "5 points" in sketch.count.value
    sketch.close()


def test_dragging_the_mouse_draws_strokes_and_undo_clear_remove_them():
    sketch = DataSketch(scale=0.1)  # spacing 0.2
    mouse(sketch, "button_press_event", -1.0, 1.0)
    mouse(sketch, "motion_notify_event", 0.0, 1.0)
    mouse(sketch, "motion_notify_event", 0.0, 0.0)
    mouse(sketch, "button_release_event", 0.0, 0.0)
    assert len(sketch.strokes) == 1 and len(sketch.points) == 11  # 1 + 5 + 5
    assert np.allclose(sketch.points[0], [-1.0, 1.0], atol=0.02)
    steps = np.linalg.norm(np.diff(sketch.points, axis=0), axis=1)
    np.testing.assert_allclose(steps, 0.2, atol=0.01)
    mouse(sketch, "motion_notify_event", 2.0, 2.0)  # no button held: nothing drawn
    assert len(sketch.points) == 11
    mouse(sketch, "button_press_event", 2.0, -2.0)
    mouse(sketch, "button_release_event", 2.0, -2.0)
    assert len(sketch.strokes) == 2 and len(sketch.points) == 12
    mouse(sketch, "button_press_event", -2.0, -2.0)  # released outside the canvas: no release
    mouse(sketch, "button_press_event", -2.0, 2.0)  # the next press keeps the open stroke
    mouse(sketch, "button_release_event", -2.0, 2.0)
    assert len(sketch.strokes) == 4 and len(sketch.points) == 14
    sketch.undo()
    sketch.undo()
    sketch.undo()
    assert len(sketch.strokes) == 1
    sketch.clear()
    assert sketch.strokes == [] and sketch.points.shape == (0, 2)
    sketch.close()


def test_the_trainer_trains_on_a_drawn_distribution():
    sketch = DataSketch()
    t = np.linspace(0.0, 2.0 * np.pi, 30)
    sketch.add_stroke(np.column_stack([2.0 * np.cos(t), 2.0 * np.sin(t)]))
    trainer = GANTrainer(sketch.distribution())
    trainer.step(20)
    assert trainer.run.step == 20 and trainer.values["n_modes"] == len(sketch.points)
    trainer.close()
    sketch.close()


@pytest.mark.parametrize("kwargs, message", [
    ({"limits": (0, 0, 0, 1)}, "x0 < x1"), ({"limits": (0, 1)}, "four numbers"),
    ({"scale": 0}, "scale must be"), ({"spacing": -1}, "spacing must be"),
])
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataSketch(**kwargs)


def test_bad_strokes_and_an_empty_sketch_raise():
    sketch = DataSketch()
    with pytest.raises(ValueError, match="nothing drawn"):
        sketch.distribution()
    with pytest.raises(ValueError, match="on the plane"):
        sketch.add_stroke([[0.0, 0.0], [9.0, 0.0]])
    with pytest.raises(ValueError, match=r"\(m, 2\)"):
        sketch.add_stroke([1.0, 2.0])
    assert sketch.strokes == []
    sketch.close()

