"""Tests for course.plane: boxes, pixel grids and straight boundaries."""

import numpy as np
import pytest

from course.plane import check_limits, data_box, line_in_box, pixel_grid


def test_data_box_adds_the_margin_on_every_side():
    X = np.array([[0.0, -1.0], [2.0, 3.0]])
    assert data_box(X, margin=0.5) == ((-0.5, 2.5), (-1.5, 3.5))
    assert data_box(X, margin=0) == ((0.0, 2.0), (-1.0, 3.0))


def test_data_box_needs_points_of_the_plane():
    with pytest.raises(ValueError, match="X must have 2 features .* but got 3"):
        data_box(np.zeros((4, 3)))


def test_pixel_grid_centres_reshape_to_an_image_bottom_row_first():
    grid = pixel_grid((0, 4), (10, 12), resolution=4)
    assert grid.shape == (4, 4)
    assert grid.extent == (0.0, 4.0, 10.0, 12.0)
    image = grid.points.reshape(*grid.shape, 2)
    np.testing.assert_allclose(image[0, :, 0], [0.5, 1.5, 2.5, 3.5])  # along x
    np.testing.assert_allclose(image[:, 0, 1], [10.25, 10.75, 11.25, 11.75])  # up


def test_pixel_grid_rejects_bad_boxes_and_resolutions():
    with pytest.raises(ValueError, match=r"xlim must be a pair \(low, high\) with low"):
        pixel_grid((1, 0), (0, 1))
    with pytest.raises(ValueError, match="ylim must be a pair"):
        pixel_grid((0, 1), (0, 1, 2))
    with pytest.raises(ValueError, match="resolution must be >= 2, but got 1"):
        pixel_grid((0, 1), (0, 1), resolution=1)


def test_check_limits_returns_floats():
    assert check_limits([1, 2], "xlim") == (1.0, 2.0)


@pytest.mark.parametrize(
    ("w", "b"),
    [([1.0, 1.0], -1.0), ([0.3, -2.0], 0.4), ([1.0, 0.0], -0.5), ([0.0, 2.0], 1.0)],
)
def test_line_in_box_end_points_lie_on_the_line_and_on_the_border(w, b):
    xlim, ylim = (-1.0, 1.0), (-1.0, 1.0)
    ends = line_in_box(w, b, xlim, ylim)
    np.testing.assert_allclose(ends @ np.array(w) + b, 0.0, atol=1e-12)
    on_border = np.isclose(np.abs(ends), 1.0).any(axis=1)
    assert on_border.all()
    assert (np.abs(ends) <= 1.0 + 1e-12).all()


def test_line_in_box_is_nan_when_there_is_no_line_in_the_box():
    assert np.isnan(line_in_box([0.0, 0.0], 1.0, (0, 1), (0, 1))).all()
    assert np.isnan(line_in_box([1.0, 1.0], -10.0, (0, 1), (0, 1))).all()
    assert np.isnan(line_in_box([1.0, 0.0], -5.0, (0, 1), (0, 1))).all()


def test_line_in_box_rejects_weights_of_the_wrong_size():
    with pytest.raises(
        ValueError, match=r"w must have 2 entries, but got shape \(3,\)"
    ):
        line_in_box([1.0, 2.0, 3.0], 0.0, (0, 1), (0, 1))
