"""Image mosaics: tiles land where they should; bad shapes are refused."""

import numpy as np
import pytest

from ganlab import plots


def test_tiles_in_row_order():
    images = np.stack([np.full((2, 3, 1), v) for v in (0.1, 0.2, 0.3)])
    mosaic = plots.tile_images(images, ncols=2, pad=1, background=1.0)
    assert mosaic.shape == (2 * 3 - 1, 2 * 4 - 1, 1)
    assert np.allclose(mosaic[0:2, 0:3], 0.1) and np.allclose(mosaic[0:2, 4:7], 0.2)
    assert np.allclose(mosaic[3:5, 0:3], 0.3)
    assert np.allclose(mosaic[3:5, 4:7], 1.0) and np.allclose(mosaic[2], 1.0)


def test_plot_image_grid_and_validation():
    ax = plots.plot_image_grid(np.random.default_rng(0).random((12, 8, 8)), ncols=5)
    assert ax.images[0].get_array().shape == (3 * 9 - 1, 5 * 9 - 1)
    with pytest.raises(ValueError, match="n, h, w, c"):
        plots.tile_images(np.zeros((4, 4)), ncols=2)
    with pytest.raises(ValueError, match="ncols"):
        plots.tile_images(np.zeros((2, 4, 4, 1)), ncols=0)
