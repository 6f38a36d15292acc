"""Tests for course.warping: grids sent through a layer h = g(W x + b)."""

import numpy as np
import pytest

from course.activations import relu
from course.warping import grid_lines, warp


def test_grid_lines_are_vertical_then_horizontal():
    lines = grid_lines((0, 2), (-1, 1), n_lines=3, n_points=5)
    assert lines.shape == (6, 5, 2)
    vertical, horizontal = lines[:3], lines[3:]
    np.testing.assert_allclose(vertical[:, :, 0], [[0.0] * 5, [1.0] * 5, [2.0] * 5])
    np.testing.assert_allclose(vertical[0, :, 1], np.linspace(-1, 1, 5))
    np.testing.assert_allclose(horizontal[:, 0, 1], [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(horizontal[1, :, 0], np.linspace(0, 2, 5))


def test_grid_lines_need_two_lines_and_points():
    with pytest.raises(ValueError, match="n_lines must be >= 2, but got 1"):
        grid_lines((0, 1), (0, 1), n_lines=1)
    with pytest.raises(ValueError, match="n_points must be >= 2, but got 1"):
        grid_lines((0, 1), (0, 1), n_points=1)


def test_warp_is_the_layer_applied_to_every_point(rng):
    W, b = rng.standard_normal((2, 2)), rng.standard_normal(2)
    lines = grid_lines((-1, 1), (-1, 1), n_lines=4, n_points=7)
    warped = warp(lines, W, b)
    assert warped.shape == lines.shape
    np.testing.assert_allclose(warped, relu(lines @ W.T + b))


def test_warp_linear_keeps_lines_straight(rng):
    W, b = rng.standard_normal((2, 2)), rng.standard_normal(2)
    line = grid_lines((-1, 1), (-1, 1), n_lines=2, n_points=9)[0]
    warped = warp(line, W, b, "linear")
    steps = np.diff(warped, axis=0)
    np.testing.assert_allclose(steps, np.broadcast_to(steps[0], steps.shape))


def test_warp_relu_folds_the_plane_onto_the_quadrant():
    warped = warp([[1.0, -2.0], [-3.0, 4.0]], np.eye(2), [0.0, 0.0])
    np.testing.assert_array_equal(warped, [[1.0, 0.0], [0.0, 4.0]])


def test_warp_checks_the_number_of_coordinates():
    with pytest.raises(
        ValueError, match="points must have 2 coordinates .* shape \\(4, 3\\)"
    ):
        warp(np.zeros((4, 3)), np.eye(2), [0.0, 0.0])
