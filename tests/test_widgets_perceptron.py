"""Tests for the perceptron explorers: stepping through training, XOR by hand."""

import numpy as np
import pytest

from course.activations import step
from course.perceptron import perceptron_trace
from course.plane import line_in_box
from course.widgets import PerceptronTrainingExplorer, PerceptronXorExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def boundary(explorer):
    return np.column_stack(explorer._boundary.get_data())


def test_training_starts_from_zero_weights():
    ex = PerceptronTrainingExplorer()
    assert ex.controls["update"].value == 0
    assert np.isnan(boundary(ex)).all()  # theta = 0: no line
    assert ex._ax.get_title().startswith(f"update 0 of {len(ex.trace.index)}")
    # theta = 0 fires everywhere: every class-0 point is misclassified
    n_negative = int(np.count_nonzero(ex._y != 1))
    assert len(ex._wrong.get_offsets()) == n_negative == ex.trace.n_errors[0]
    np.testing.assert_array_equal(ex._next.get_offsets(), ex._X[ex.trace.index[:1]])


def test_step_button_applies_the_next_update():
    ex = PerceptronTrainingExplorer()
    trace = ex.trace
    for k in (1, 2, 3):
        ex.controls["step"].click()
        assert ex.controls["update"].value == k
        w, b = trace.theta[k, :2], trace.theta[k, 2]
        np.testing.assert_allclose(boundary(ex), line_in_box(w, b, ex._xlim, ex._ylim))
        assert len(ex._wrong.get_offsets()) == trace.n_errors[k]
        region = ex._region.get_array()
        np.testing.assert_array_equal(
            region, step(ex._grid.points @ w + b).reshape(ex._grid.shape)
        )
        np.testing.assert_array_equal(ex._next.get_offsets(), ex._X[[trace.index[k]]])
        assert ex._now.get_xdata()[0] == k
        assert f"{trace.n_errors[k]} misclassified" in ex._ax.get_title()


def test_last_update_reports_convergence():
    ex = PerceptronTrainingExplorer()
    ex.controls["update"].value = ex.controls["update"].max
    assert ex.trace.converged
    assert ex._ax.get_title().startswith("converged")
    assert len(ex._wrong.get_offsets()) == 0
    assert len(ex._next.get_offsets()) == 0


def test_too_few_epochs_stop_before_convergence():
    ex = PerceptronTrainingExplorer()
    ex.controls["update"].value = 5
    ex.controls["n_epochs"].value = 1
    assert not ex.trace.converged
    assert ex.controls["update"].max == len(ex.trace.index)
    ex.controls["update"].value = ex.controls["update"].max
    assert ex._ax.get_title().startswith("stopped after 1 epochs")


def test_learning_rate_only_rescales_the_weights():
    ex = PerceptronTrainingExplorer()
    ex.controls["update"].value = 4
    region = ex._region.get_array().copy()
    theta = ex.trace.theta.copy()
    ex.controls["lr"].value = 0.1
    np.testing.assert_allclose(ex.trace.theta, 0.1 * theta)
    np.testing.assert_array_equal(ex._region.get_array(), region)


def test_errors_curve_and_play_follow_the_trace():
    ex = PerceptronTrainingExplorer()
    x, y = ex._errors.get_data()
    np.testing.assert_array_equal(y, ex.trace.n_errors)
    np.testing.assert_array_equal(x, np.arange(len(ex.trace.n_errors)))
    ex.controls["play"].value = 2  # the play widget drives the same slider
    assert ex.controls["update"].value == 2


def test_previous_boundary_is_dashed_behind_the_new_one():
    ex = PerceptronTrainingExplorer()
    ex.controls["update"].value = 3
    before = ex.trace.theta[2]
    np.testing.assert_allclose(
        np.column_stack(ex._previous.get_data()),
        line_in_box(before[:2], before[2], ex._xlim, ex._ylim),
    )


def test_custom_data_and_its_check():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    ex = PerceptronTrainingExplorer(X, [0, 0, 0, 1])
    np.testing.assert_array_equal(
        ex.trace.theta, perceptron_trace(X, [0, 0, 0, 1], n_epochs=10).theta
    )
    with pytest.raises(ValueError, match="X must have 2 features .* but got 3"):
        PerceptronTrainingExplorer(np.zeros((4, 3)), [0, 1, 0, 1])


def test_xor_count_follows_the_sliders():
    ex = PerceptronXorExplorer()
    assert ex.n_wrong == 1  # step(x1 + x2 - 0.5) is OR: only (1, 1) is wrong
    np.testing.assert_array_equal(ex._wrong.get_offsets(), [[1.0, 1.0]])
    ex.controls["b"].value = -1.5  # AND: right only on (0, 0)
    assert ex.n_wrong == 3
    assert ex._ax.get_title().startswith("3 of 4 misclassified (fewest so far: 1)")
    ex.controls["w1"].value = -1.0
    ex.controls["w2"].value = -1.0
    ex.controls["b"].value = 1.5  # NAND: wrong only on (0, 0)
    assert ex.n_wrong == 1
    np.testing.assert_array_equal(ex._wrong.get_offsets(), [[0.0, 0.0]])
    w, b = np.array([-1.0, -1.0]), 1.5
    np.testing.assert_array_equal(
        ex._region.get_array(), step(ex._grid.points @ w + b).reshape(ex._grid.shape)
    )


def test_no_slider_setting_separates_xor():
    ex = PerceptronXorExplorer()
    values = np.linspace(-3, 3, 7)
    for w1 in values:
        ex.controls["w1"].value = w1
        for w2 in values:
            ex.controls["w2"].value = w2
            for b in values:
                ex.controls["b"].value = b
                assert ex.n_wrong >= 1
    assert ex.fewest_wrong == 1
