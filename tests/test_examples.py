"""Tests for course.examples: objectives with their gradients, approximation targets."""

import numpy as np
import pytest

from course.examples import OBJECTIVES, TARGETS
from course.gradcheck import check_gradient
from course.optim import gradient_descent


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_objective_gradients_pass_the_gradient_check(name, rng):
    obj = OBJECTIVES[name]
    for _ in range(3):
        x = np.array([rng.uniform(lo, hi) for lo, hi in obj.box])
        assert check_gradient(lambda v: float(np.sum(obj.f(v))), obj.grad, x) <= 1e-7


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_minima_are_stationary_and_start_is_in_the_box(name):
    obj = OBJECTIVES[name]
    for point in obj.minima:
        np.testing.assert_allclose(obj.grad(np.array(point)), 0.0, atol=1e-12)
    assert all(lo <= x <= hi for x, (lo, hi) in zip(obj.x0, obj.box, strict=True))
    assert len(obj.box) == len(obj.x0) == obj.n_dims


def test_two_dimensional_objectives_evaluate_a_grid_at_once():
    obj = OBJECTIVES["x^2 - 4x + y^2 + 2y"]
    grid = np.zeros((3, 4, 2))
    assert obj.f(grid).shape == (3, 4)
    assert obj.grad(grid).shape == (3, 4, 2)
    assert obj.f(np.array([2.0, -1.0])) == -5.0  # the lecture's minimum


def test_gradient_descent_on_x_squared_diverges_above_lr_one():
    obj = OBJECTIVES["x^2"]
    assert gradient_descent(obj.f, obj.grad, 2.5, 0.4).converged
    assert gradient_descent(obj.f, obj.grad, 2.5, 1.5).diverged


def test_double_well_traps_descent_from_the_right_in_the_local_minimum():
    obj = OBJECTIVES["double well"]
    result = gradient_descent(obj.f, obj.grad, obj.x0[0], 0.01, max_steps=5000)
    local, global_ = obj.minima[1][0], obj.minima[0][0]
    assert result.converged
    assert abs(float(result.x) - local) < 1e-2
    assert obj.f(global_) < obj.f(local)


@pytest.mark.parametrize("name", list(TARGETS))
def test_targets_are_vectorised_on_their_interval(name):
    target = TARGETS[name]
    x = np.linspace(*target.interval, 11)
    y = target.f(x)
    assert y.shape == x.shape
    assert np.isfinite(y).all()
