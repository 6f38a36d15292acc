"""Tests for the gradient-norm-per-layer explorer."""

import numpy as np
import pytest

from course.vanishing import gradient_report
from course.widgets import GradientFlowExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def test_lines_are_the_gradient_report():
    ex = GradientFlowExplorer()
    report = gradient_report(10, 16, "sigmoid", "xavier", 1.0, n_samples=8, seed=0)
    layer, grads = ex._grads.get_data()
    np.testing.assert_array_equal(layer, np.arange(1, 12))
    np.testing.assert_allclose(grads, report.grad_norms)
    np.testing.assert_allclose(ex._bound.get_data()[1], report.jacobian_products)
    assert ex._ax.get_yscale() == "log"


def test_sigmoid_vanishes_relu_with_he_does_not():
    ex = GradientFlowExplorer(depth=15)
    ratio_sigmoid = ex.report.grad_norms[0] / ex.report.grad_norms[-1]
    assert ratio_sigmoid < 1e-4
    assert f"{ratio_sigmoid:.2e}" in ex._ax.get_title()
    ex.controls["activation"].value = "relu"
    ex.controls["init"].value = "he"
    ratio_relu = ex.report.grad_norms[0] / ex.report.grad_norms[-1]
    assert 0.1 < ratio_relu < 10
    assert ex._ax.get_title().startswith("relu, he")


def test_large_weights_explode_and_scale_only_matters_for_normal():
    ex = GradientFlowExplorer(activation="tanh", depth=20)
    assert ex.controls["scale"].disabled
    ex.controls["init"].value = "normal"
    assert not ex.controls["scale"].disabled
    ex.controls["scale"].value = 2.0
    assert ex.report.grad_norms[0] > 100 * ex.report.grad_norms[-1]


def test_depth_changes_the_number_of_layers():
    ex = GradientFlowExplorer()
    ex.controls["depth"].value = 20
    assert len(ex._grads.get_data()[0]) == 21
    assert ex._ax.get_xlim() == (0.5, 21.5)


def test_a_dead_network_leaves_gaps_instead_of_failing():
    ex = GradientFlowExplorer()
    ex.controls["activation"].value = "step"  # zero derivative everywhere
    assert np.isnan(ex._grads.get_data()[1][:-1]).all()
    assert "undefined" in ex._ax.get_title() or "0.00e+00" in ex._ax.get_title()
