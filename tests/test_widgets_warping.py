"""Tests for the ReLU warping explorer."""

import numpy as np
import pytest

from course.activations import relu
from course.data import make_dataset
from course.widgets import WarpingExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def current_W_b(ex):
    c = ex.controls
    W = np.array([[c["w11"].value, c["w12"].value], [c["w21"].value, c["w22"].value]])
    return W, np.array([c["b1"].value, c["b2"].value])


def test_points_and_grid_go_through_the_layer():
    ex = WarpingExplorer()
    W, b = current_W_b(ex)
    np.testing.assert_allclose(ex._points_out.get_offsets(), relu(ex.X @ W.T + b))
    segments = np.array(ex._lines_out.get_segments())
    np.testing.assert_allclose(segments, relu(ex._grid @ W.T + b))


def test_each_weight_and_bias_slider_acts():
    ex = WarpingExplorer()
    for name in ("w11", "w12", "w21", "w22", "b1", "b2"):
        before = np.array(ex._points_out.get_offsets())
        ex.controls[name].value = ex.controls[name].value + 0.5
        W, b = current_W_b(ex)
        after = np.array(ex._points_out.get_offsets())
        np.testing.assert_allclose(after, relu(ex.X @ W.T + b))
        assert not np.allclose(before, after), name


def test_identity_relu_folds_onto_the_quadrant_and_linear_does_not():
    ex = WarpingExplorer(W=((1.0, 0.0), (0.0, 1.0)))
    H = np.array(ex._points_out.get_offsets())
    assert (H >= 0).all() and (H == 0).any()
    ex.controls["activation"].value = "linear"
    np.testing.assert_allclose(ex._points_out.get_offsets(), ex.X)
    assert ex._ax_out.get_title() == "h = linear(W x + b)"


def test_dataset_switch():
    ex = WarpingExplorer()
    ex.controls["dataset"].value = "xor"
    X, _ = make_dataset("xor", n_samples=200, seed=0)
    np.testing.assert_allclose(ex._points_in.get_offsets(), X - X.mean(axis=0))
    W, b = current_W_b(ex)
    np.testing.assert_allclose(ex._points_out.get_offsets(), relu(ex.X @ W.T + b))


def test_shapes_are_checked():
    with pytest.raises(
        ValueError, match=r"W must be 2 x 2 .* shapes \(3,\) and \(2,\)"
    ):
        WarpingExplorer(W=(1.0, 2.0, 3.0))
