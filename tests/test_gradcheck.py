"""Tests for course.gradcheck: numerical gradients and the relative error."""

import numpy as np
import pytest

from course.gradcheck import (
    check_gradient,
    numerical_gradient,
    numerical_vjp,
    rel_error,
)


def test_numerical_gradient_of_a_quadratic_form(rng):
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    grad = numerical_gradient(lambda v: v @ A @ v, x)
    # Central differences are exact for quadratics up to rounding.
    np.testing.assert_allclose(grad, (A + A.T) @ x, rtol=1e-8, atol=1e-10)


def test_numerical_gradient_keeps_the_shape_of_x(rng):
    X = rng.standard_normal((3, 2, 2))
    grad = numerical_gradient(lambda v: np.sum(np.sin(v)), X)
    assert grad.shape == X.shape
    np.testing.assert_allclose(grad, np.cos(X), rtol=1e-8)


def test_numerical_gradient_is_central():
    # The error of a central difference shrinks like h**2 (100 times for a 10
    # times smaller step); a one-sided difference would shrink only like h.
    x = np.array([0.7])
    errors = [
        abs(numerical_gradient(lambda v: np.sin(v[0]), x, h=h)[0] - np.cos(0.7))
        for h in (1e-2, 1e-3)
    ]
    assert 80 < errors[0] / errors[1] < 120


def test_numerical_gradient_perturbs_in_place_and_restores(rng):
    W = rng.standard_normal((2, 3))
    W_before = W.copy()
    # f ignores its argument and reads W directly, as a model's loss does.
    grad = numerical_gradient(lambda _: float(np.sum(W**2)), W)
    np.testing.assert_allclose(grad, 2 * W, rtol=1e-8)
    np.testing.assert_array_equal(W, W_before)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        if v[0] != 1.0:
            raise RuntimeError("boom")
        return 0.0

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_copies_lists_and_integer_arrays():
    x = np.array([1, 2, 3])
    grad = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0], rtol=1e-8)
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_allclose(
        numerical_gradient(lambda v: float(np.sum(v**2)), [1.0, -1.0]),
        [2.0, -2.0],
        rtol=1e-8,
    )


def test_numerical_vjp_of_a_matrix_product(rng):
    W = rng.standard_normal((3, 4))
    x = rng.standard_normal(4)
    upstream = rng.standard_normal(3)
    vjp = numerical_vjp(lambda v: W @ v, x, upstream)
    np.testing.assert_allclose(vjp, W.T @ upstream, rtol=1e-8)


def test_numerical_vjp_of_an_elementwise_function(rng):
    x = rng.standard_normal((2, 3))
    upstream = rng.standard_normal((2, 3))
    vjp = numerical_vjp(np.exp, x, upstream)
    np.testing.assert_allclose(vjp, np.exp(x) * upstream, rtol=1e-7)


def test_rel_error_follows_cs231n():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)
    # The largest elementwise error wins, not a ratio of norms.
    assert rel_error([100.0, 1e-3], [100.0, 2e-3]) == pytest.approx(1 / 3)
    # Both zero: no division by zero.
    assert rel_error([0.0], [0.0]) == 0.0
    # Below 1e-8 the denominator is floored.
    assert rel_error([0.0], [1e-10]) == pytest.approx(1e-2)


def test_rel_error_is_symmetric_and_at_most_one(rng):
    a, b = rng.standard_normal((2, 10))
    assert rel_error(a, b) == rel_error(b, a)
    assert rel_error(a, -a) == pytest.approx(1.0)


def test_rel_error_does_not_overflow_in_float32():
    big = np.array([3e38], dtype=np.float32)
    with np.errstate(all="raise"):
        assert rel_error(big, big) == 0.0


def test_check_gradient_accepts_a_correct_gradient(rng):
    x = rng.standard_normal((3, 4))
    err = check_gradient(
        lambda v: float(np.sum(np.tanh(v) ** 2)),
        lambda v: 2 * np.tanh(v) * (1 - np.tanh(v) ** 2),
        x,
    )
    assert err < 1e-8


def test_check_gradient_rejects_a_slightly_wrong_gradient(rng):
    x = rng.standard_normal(5)
    err = check_gradient(lambda v: float(np.sum(v**3)), lambda v: 3.03 * v**2, x)
    assert err > 1e-3


def test_check_gradient_does_not_modify_x(rng):
    x = rng.standard_normal(4)
    x_before = x.copy()
    check_gradient(lambda v: float(np.sum(v**2)), lambda v: 2 * v, x)
    np.testing.assert_array_equal(x, x_before)


def test_check_gradient_with_grad_returning_a_view_of_x(rng):
    # grad(v) = v is a view of the array that is perturbed afterwards.
    x = rng.standard_normal(4)
    assert check_gradient(lambda v: float(v @ v / 2), lambda v: v, x) < 1e-9


def test_f_must_return_a_scalar():
    with pytest.raises(ValueError, match=r"f must return a scalar number, but at x"):
        numerical_gradient(lambda v: v**2, np.ones(3))


def test_grad_must_have_the_shape_of_x():
    with pytest.raises(
        ValueError, match=r"grad\(x\) must have the shape of x, \(3,\), but got"
    ):
        check_gradient(lambda v: float(np.sum(v)), lambda v: np.ones(4), np.ones(3))


def test_upstream_must_have_the_shape_of_f_x():
    with pytest.raises(
        ValueError, match=r"upstream must have the shape of f\(x\), \(3,\), but got"
    ):
        numerical_vjp(np.exp, np.ones(3), np.ones((3, 1)))


@pytest.mark.parametrize("h", [0.0, -1e-5])
def test_h_must_be_positive(h):
    with pytest.raises(ValueError, match=r"h must be > 0, but got"):
        numerical_gradient(lambda v: float(np.sum(v)), np.ones(2), h=h)


def test_x_must_be_finite():
    with pytest.raises(ValueError, match=r"x must contain only finite values"):
        numerical_gradient(lambda v: float(np.sum(v)), np.array([1.0, np.nan]))


def test_rel_error_shapes_must_match():
    with pytest.raises(
        ValueError, match=r"a and b must have the same shape, but got \(2,\) and"
    ):
        rel_error(np.ones(2), np.ones((2, 1)))


def test_rel_error_of_empty_arrays():
    with pytest.raises(ValueError, match=r"a and b must not be empty"):
        rel_error([], [])
