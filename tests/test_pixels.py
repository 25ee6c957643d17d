"""Pixel tools: black-and-white images and the scores of generated digits."""

import numpy as np
import pytest

from ganlab import datasets, pixels
from ganlab.digit_score import classify


@pytest.fixture(scope="module")
def test_digits():
    return datasets.load("digits", "test")[0]


def test_binarise():
    x = np.array([[[0.0, 0.49], [0.5, 1.0]]], np.float32)          # (1, 2, 2)
    out = pixels.binarise(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0, ..., 0], [[0.0, 0.0], [1.0, 1.0]])
    np.testing.assert_array_equal(pixels.binarise(x, 0.4)[0, ..., 0], [[0.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="threshold"):
        pixels.binarise(x, 0.0)


def test_sample_quality_of_real_blurred_and_lopsided_digits(test_digits):
    real = test_digits
    same = pixels.sample_quality(real, real)
    assert same.relative_sharpness == pytest.approx(1.0)
    assert same.class_distance == pytest.approx(0.0)
    assert same.classes == 10 and same.confidence > 0.85
    blurred = pixels.sample_quality(pixels.blur_images(real, 1.0), real)
    assert blurred.relative_sharpness < 0.6 and blurred.confidence < same.confidence - 0.2
    # Only the digits the classifier calls 0: one class, far from the real proportions.
    zeros = real[classify(real)[0] == 0]
    lopsided = pixels.sample_quality(zeros, real)
    assert lopsided.classes == 1 and lopsided.class_distance > 0.8
    with pytest.raises(ValueError, match="image shape"):
        pixels.sample_quality(real[:, :4, :4], real)
