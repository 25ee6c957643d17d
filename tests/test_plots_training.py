"""Figures of a GAN while it trains: the two half-steps of Algorithm 1 and what each changes."""

import matplotlib.pyplot as plt
import numpy as np

from ganlab import plots


def test_half_steps_draw_one_line_per_run_and_their_mean():
    labels = ["G v1 · D v0", "G v1 · D v1", "G v2 · D v1"]
    d_of_fakes = np.array([[0.4, 0.1, 0.3], [0.6, 0.1, 0.4], [0.5, 0.2, 0.5]])
    jsd = np.array([[0.5, 0.5, 0.2], [0.5, 0.5, 0.3], [0.4, 0.4, 0.1]])
    axes = plots.plot_half_steps(labels, d_of_fakes, jsd)
    for ax, values in zip(axes, (d_of_fakes, jsd)):
        lines = [line for line in ax.get_lines() if len(line.get_xdata()) == len(labels)]
        assert len(lines) == len(values) + 1                     # every run, then the mean
        np.testing.assert_allclose(lines[-1].get_ydata(), values.mean(axis=0))
        assert [t.get_text() for t in ax.get_xticklabels()] == labels
    plt.close("all")


def test_update_steps_diagram_shows_both_half_steps():
    fig = plots.plot_update_steps()
    d_step, g_step = fig.axes
    texts = {ax: " ".join(t.get_text() for t in ax.texts) for ax in fig.axes}
    assert "G\n(fixed)" in texts[d_step] and "D\n(trained)" in texts[d_step]
    assert "G\n(trained)" in texts[g_step] and "D\n(fixed)" in texts[g_step]
    assert "one network" in texts[g_step]
    plt.close(fig)
