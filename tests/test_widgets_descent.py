"""Tests for the gradient descent explorers (1-D and 2-D)."""

import numpy as np
import pytest

from course.examples import OBJECTIVES
from course.plane import pixel_grid
from course.widgets import GradientDescent1DExplorer, GradientDescent2DExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def test_one_dimension_path_follows_the_update_rule():
    ex = GradientDescent1DExplorer()  # x^2 from 2.5 with lr 0.1: x_t = 2.5 * 0.8^t
    x, y = ex._path.get_data()
    expected = 2.5 * 0.8 ** np.arange(21)
    np.testing.assert_allclose(x, expected)
    np.testing.assert_allclose(y, expected**2)
    _, gap = ex._gap.get_data()
    np.testing.assert_allclose(gap, expected**2)
    assert "20 steps, not converged yet" in ex._ax.get_title()


def test_one_dimension_learning_rate_above_one_diverges():
    ex = GradientDescent1DExplorer()
    ex.controls["lr"].value = 1.2
    assert "diverging: f grew" in ex._ax.get_title()
    assert ex._ax.title.get_color() == "C3"
    _, gap = ex._gap.get_data()
    assert np.all(np.diff(gap) > 0)
    ex.controls["lr"].value = 1.5
    ex.controls["n_steps"].value = 100
    assert ex.result.diverged
    assert "diverged after" in ex._ax.get_title()


def test_one_dimension_lr_half_jumps_to_the_minimum():
    ex = GradientDescent1DExplorer()
    ex.controls["lr"].value = 0.5
    assert ex.result.converged
    assert ex._path.get_data()[0][1] == 0.0
    assert "converged after" in ex._ax.get_title()


def test_one_dimension_start_and_steps():
    ex = GradientDescent1DExplorer()
    ex.controls["x0"].value = -1.0
    ex.controls["n_steps"].value = 5
    x, _ = ex._path.get_data()
    assert len(x) == 6 and x[0] == -1.0
    np.testing.assert_array_equal(ex._start.get_data()[0], [-1.0])


def test_one_dimension_objective_switch_redraws_the_curve():
    ex = GradientDescent1DExplorer()
    ex.controls["objective"].value = "double well"
    obj = OBJECTIVES["double well"]
    x, y = ex._curve.get_data()
    np.testing.assert_allclose(y, obj.f(x))
    assert ex.controls["x0"].value == obj.x0[0]
    assert (ex.controls["x0"].min, ex.controls["x0"].max) == obj.box[0]
    assert ex.draw_requests == 2  # one redraw for the whole switch


def test_two_dimension_descends_to_the_lecture_minimum():
    ex = GradientDescent2DExplorer(n_steps=100)
    assert ex.result.converged
    x, y = ex._path.get_data()
    assert (x[0], y[0]) == (-1.0, 2.0)
    assert abs(x[-1] - 2.0) < 1e-2 and abs(y[-1] + 1.0) < 1e-2
    np.testing.assert_array_equal(np.column_stack(ex._minima.get_data()), [[2.0, -1.0]])


def test_two_dimension_divergence_and_start_sliders():
    ex = GradientDescent2DExplorer()
    ex.controls["lr"].value = 1.05
    assert "diverging" in ex._ax.get_title()
    ex.controls["x0"].value = 4.0
    ex.controls["y0"].value = -3.0
    x, y = ex._start.get_data()
    assert (x[0], y[0]) == (4.0, -3.0)


def test_two_dimension_objective_switch_updates_the_heat_map():
    ex = GradientDescent2DExplorer(resolution=40)
    ex.controls["objective"].value = "x^2 + 10y^2"
    obj = OBJECTIVES["x^2 + 10y^2"]
    grid = pixel_grid(*obj.box, 40)
    values = obj.f(grid.points).reshape(grid.shape)
    np.testing.assert_allclose(ex._surface.get_array(), np.log1p(values - values.min()))
    assert tuple(ex._surface.get_extent()) == grid.extent
    assert (ex.controls["x0"].value, ex.controls["y0"].value) == obj.x0


def test_objective_must_have_the_right_dimension():
    with pytest.raises(ValueError, match=r"objective must be one of \['x\^2', 'double"):
        GradientDescent1DExplorer("x^2 + 10y^2")
