"""Code-space figures and the pixel comparisons of the AE/VAE notebooks."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ganlab import pixels, plots


def test_latent_grid_order_and_interpolate():
    grid = plots.latent_grid(-1.0, 1.0, 3)
    assert grid.shape == (9, 2)
    np.testing.assert_allclose(grid[0], [-1.0, 1.0])     # top left
    np.testing.assert_allclose(grid[2], [1.0, 1.0])      # top right
    np.testing.assert_allclose(grid[-1], [1.0, -1.0])    # bottom right
    path = plots.interpolate([0.0, 0.0], [2.0, 4.0], 5)
    np.testing.assert_allclose(path[1], [0.5, 1.0])


def test_figures_draw():
    rng = np.random.default_rng(0)
    codes, labels = rng.normal(size=(50, 2)), rng.integers(0, 10, 50)
    images = rng.uniform(size=(6, 8, 8, 1)).astype(np.float32)
    ax = plots.plot_codes(codes, labels, title="codes")
    assert len(ax.collections) == len(np.unique(labels))
    axes = plots.plot_reconstructions(images, images[::-1])
    assert len(axes) == 2
    ax = plots.plot_latent_manifold(lambda z: np.zeros((len(z), 8, 8, 1)), -2, 2, 4)
    assert ax.get_xlabel() == "$z_1$"
    axes = plots.plot_interpolation({"a": images, "b": images})
    assert len(axes) == 2
    plt.close("all")
    with pytest.raises(ValueError, match="codes must be"):
        plots.plot_codes(codes[:, :1], labels)
    with pytest.raises(ValueError, match="same shape"):
        plots.plot_reconstructions(images, images[:3])


def test_shift_blur_and_sharpness():
    image = np.zeros((1, 8, 8, 1), np.float32)
    image[0, 2:6, 3, 0] = 1.0                             # a vertical stroke
    shifted = pixels.shift_images(image, dx=1)
    np.testing.assert_array_equal(shifted[0, 2:6, 4, 0], 1.0)
    assert shifted.sum() == image.sum()
    blurred = pixels.blur_images(image, 1.0)
    assert blurred.max() < 1.0 and blurred.sum() == pytest.approx(image.sum(), rel=0.05)
    # a one-pixel shift moves all the ink: loss 2·4/64; a blur keeps it nearby: smaller loss
    assert pixels.pixel_loss(shifted, image)[0] == pytest.approx(8 / 64)
    assert pixels.pixel_loss(blurred, image)[0] < pixels.pixel_loss(shifted, image)[0]
    assert pixels.sharpness(shifted)[0] == pytest.approx(pixels.sharpness(image)[0])
    assert pixels.sharpness(blurred)[0] < pixels.sharpness(image)[0]
    with pytest.raises(ValueError, match="sigma"):
        pixels.blur_images(image, 0.0)
    with pytest.raises(ValueError, match="whole numbers"):
        pixels.shift_images(image, dx=0.5)
    with pytest.raises(ValueError, match="same shape"):
        pixels.pixel_loss(image, image[:, :4])
