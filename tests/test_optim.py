"""Tests for course.optim: gradient descent, mini-batches and the SGD optimiser."""

import tracemalloc

import numpy as np
import pytest

from course.optim import SGD, gradient_descent, minibatches


def bowl(p):
    """The seeds' example f(x, y) = x^2 - 4x + y^2 + 2y, minimum -5 at (2, -1)."""
    return p[0] ** 2 - 4 * p[0] + p[1] ** 2 + 2 * p[1]


def bowl_grad(p):
    """Its gradient field (2x - 4, 2y + 2)."""
    return np.array([2 * p[0] - 4, 2 * p[1] + 2])


# --------------------------------------------------------------------------
# gradient_descent
# --------------------------------------------------------------------------


def test_gradient_descent_finds_minimum_of_seed_bowl():
    res = gradient_descent(bowl, bowl_grad, [0.0, 0.0], lr=0.1, eps=1e-12)
    assert res.converged and not res.diverged
    np.testing.assert_allclose(res.x, [2.0, -1.0], atol=1e-5)
    assert res.values[-1] == pytest.approx(-5.0, abs=1e-10)
    assert res.trajectory.shape == (res.n_steps + 1, 2)
    assert res.values.shape == (res.n_steps + 1,)
    np.testing.assert_array_equal(res.trajectory[0], [0.0, 0.0])
    np.testing.assert_array_equal(res.trajectory[-1], res.x)
    assert np.all(np.diff(res.values) < 0)  # a small step always goes downhill


def test_gradient_descent_first_steps_by_hand():
    # With lr = 1/4 the distance to (2, -1) halves each step:
    # (0, 0) -> (1, -0.5) -> (1.5, -0.75); f = 0, -3.75, -4.6875.
    res = gradient_descent(bowl, bowl_grad, [0.0, 0.0], lr=0.25, max_steps=2)
    np.testing.assert_allclose(res.trajectory, [[0, 0], [1, -0.5], [1.5, -0.75]])
    np.testing.assert_allclose(res.values, [0.0, -3.75, -4.6875])
    assert res.n_steps == 2 and not res.converged


def test_gradient_descent_exact_step_stops_on_the_next_one():
    # lr = 1/2 lands on the minimum at once; the rule sees no change at step 2.
    res = gradient_descent(bowl, bowl_grad, np.zeros(2), lr=0.5)
    np.testing.assert_allclose(res.trajectory[1], [2.0, -1.0])
    assert res.converged and res.n_steps == 2


def test_gradient_descent_does_not_modify_x0():
    x0 = np.array([3.0, 3.0])
    gradient_descent(bowl, bowl_grad, x0, lr=0.1)
    np.testing.assert_array_equal(x0, [3.0, 3.0])


def test_too_large_learning_rate_diverges_and_is_flagged():
    # lr = 1.5 multiplies the distance to the minimum by -2 each step.
    res = gradient_descent(bowl, bowl_grad, [0.0, 0.0], lr=1.5, max_steps=1000)
    assert res.diverged and not res.converged
    assert res.n_steps < 50
    assert np.all(np.isfinite(res.values))
    assert abs(res.values[-1]) > 1e10
    # The distance to the minimum doubles every step: |x_t - 2| = 2 * 2^t.
    np.testing.assert_allclose(np.abs(res.trajectory[:5, 0] - 2), [2, 4, 8, 16, 32])


def test_overflowing_run_is_flagged_without_warnings():
    # f = sum(2 cosh x): one step of lr = 1000 from x = 1 lands near x = -2350,
    # where exp overflows to inf; no RuntimeWarning escapes.
    res = gradient_descent(
        lambda x: np.sum(np.exp(x) + np.exp(-x)),
        lambda x: np.exp(x) - np.exp(-x),
        np.ones(3),
        lr=1000.0,
    )
    assert res.diverged and res.n_steps == 1
    assert not np.isfinite(res.values[-1])


def test_stopping_rule_with_k_greater_than_one():
    # f = x^2, lr = 0.1 from 1: f_t = 0.64^t. With eps = 0.01:
    # k=1 stops at the first t+1 with 0.64^t * 0.36 < 0.01, t = 9 -> step 10;
    # k=3 at the first t+3 with 0.64^t * (1 - 0.64^3) < 0.01, t = 10 -> step 13.
    f, grad = (lambda x: x**2), (lambda x: 2 * x)
    res1 = gradient_descent(f, grad, 1.0, lr=0.1, eps=0.01, k=1)
    res3 = gradient_descent(f, grad, 1.0, lr=0.1, eps=0.01, k=3)
    assert res1.converged and res1.n_steps == 10
    assert res3.converged and res3.n_steps == 13
    np.testing.assert_allclose(res3.values, 0.64 ** np.arange(14))
    v, k = res3.values, 3
    assert abs(v[-1] - v[-1 - k]) < 0.01
    assert all(abs(v[t + k] - v[t]) >= 0.01 for t in range(len(v) - 1 - k))


def test_max_steps_ends_a_run_without_convergence():
    res = gradient_descent(bowl, bowl_grad, [0.0, 0.0], lr=1e-3, max_steps=7)
    assert res.n_steps == 7 and not res.converged and not res.diverged
    assert res.trajectory.shape == (8, 2)


def test_scalar_x0():
    res = gradient_descent(lambda x: (x - 3) ** 2, lambda x: 2 * (x - 3), 0.0, lr=0.1)
    assert res.x.shape == () and res.trajectory.ndim == 1
    assert float(res.x) == pytest.approx(3.0, abs=1e-2)


def test_matrix_x0_and_float32_kept():
    target = np.arange(6, dtype=np.float32).reshape(2, 3)
    res = gradient_descent(
        lambda W: float(np.sum((W - target) ** 2)),
        lambda W: 2 * (W - target),
        np.zeros((2, 3), dtype=np.float32),
        lr=np.float32(0.25),
        eps=1e-10,
    )
    assert res.trajectory.shape[1:] == (2, 3)
    assert res.x.dtype == np.float32
    np.testing.assert_allclose(res.x, target, atol=1e-4)


def test_keep_trajectory_false_keeps_ends_only():
    full = gradient_descent(bowl, bowl_grad, [0.0, 0.0], lr=0.1)
    ends = gradient_descent(bowl, bowl_grad, [0.0, 0.0], lr=0.1, keep_trajectory=False)
    assert ends.trajectory.shape == (2, 2)
    np.testing.assert_array_equal(ends.trajectory, full.trajectory[[0, -1]])
    np.testing.assert_array_equal(ends.values, full.values)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"f": 3}, TypeError, "f must be callable, but got int"),
        ({"grad": None}, TypeError, "grad must be callable, but got NoneType"),
        ({"x0": [np.nan, 0.0]}, ValueError, "x0 must contain only finite values"),
        ({"x0": []}, ValueError, "x0 must contain at least one value"),
        ({"x0": "ab"}, TypeError, "x0 must be array-like of numbers"),
        ({"lr": 0.0}, ValueError, r"lr must be > 0, but got 0.0"),
        ({"lr": -1}, ValueError, r"lr must be > 0, but got -1"),
        ({"eps": 0}, ValueError, r"eps must be > 0, but got 0"),
        ({"k": 0}, ValueError, r"k must be > 0, but got 0"),
        ({"k": 1.5}, TypeError, "k must be an integer, but got 1.5"),
        ({"max_steps": 2.0}, TypeError, "max_steps must be an integer"),
        (
            {"f": lambda p: p},
            ValueError,
            r"f must return a scalar, but it returned an array of shape \(2,\)",
        ),
        (
            {"grad": lambda p: np.zeros(3)},
            ValueError,
            r"grad must return an array shaped like x \(2,\), but it returned an "
            r"array of shape \(3,\)",
        ),
        (
            {"f": lambda p: np.inf},
            ValueError,
            "f\\(x0\\) must be finite, but got inf",
        ),
    ],
)
def test_gradient_descent_rejects_bad_input(kwargs, error, match):
    args = {"f": bowl, "grad": bowl_grad, "x0": [0.0, 0.0], "lr": 0.1}
    args.update(kwargs)
    f, grad, x0, lr = args.pop("f"), args.pop("grad"), args.pop("x0"), args.pop("lr")
    with pytest.raises(error, match=match):
        gradient_descent(f, grad, x0, lr, **args)


# --------------------------------------------------------------------------
# minibatches
# --------------------------------------------------------------------------


def test_minibatches_in_order_with_partial_last_batch():
    batches = list(minibatches(10, 4, shuffle=False))
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_minibatches_shuffled_cover_every_index_once():
    batches = list(minibatches(103, 10, seed=1))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(103))
    assert not np.array_equal(np.concatenate(batches), np.arange(103))


def test_minibatches_are_reproducible_from_seed():
    a = np.concatenate(list(minibatches(50, 7, seed=3)))
    b = np.concatenate(list(minibatches(50, 7, seed=3)))
    c = np.concatenate(list(minibatches(50, 7, seed=4)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_minibatches_with_a_generator_change_order_each_epoch():
    rng = np.random.default_rng(0)
    first = np.concatenate(list(minibatches(50, 8, seed=rng)))
    second = np.concatenate(list(minibatches(50, 8, seed=rng)))
    assert not np.array_equal(first, second)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(
        first, np.concatenate(list(minibatches(50, 8, seed=rng)))
    )


def test_minibatch_larger_than_data_is_one_batch():
    assert [b.tolist() for b in minibatches(3, 100, shuffle=False)] == [[0, 1, 2]]


@pytest.mark.parametrize(
    "n_samples, batch_size, error, match",
    [
        (0, 4, ValueError, "n_samples must be > 0, but got 0"),
        (10, 0, ValueError, "batch_size must be > 0, but got 0"),
        (10, 2.5, TypeError, "batch_size must be an integer, but got 2.5"),
        (10.0, 2, TypeError, "n_samples must be an integer, but got 10.0"),
    ],
)
def test_minibatches_reject_bad_sizes(n_samples, batch_size, error, match):
    # Raised at the call, before any iteration.
    with pytest.raises(error, match=match):
        minibatches(n_samples, batch_size)


# --------------------------------------------------------------------------
# SGD
# --------------------------------------------------------------------------


def test_sgd_plain_step():
    W, b = np.array([[1.0, 2.0]]), np.array([0.5])
    SGD(lr=0.1).step([W, b], [np.array([[10.0, -10.0]]), np.array([1.0])])
    np.testing.assert_allclose(W, [[0.0, 3.0]])
    np.testing.assert_allclose(b, [0.4])


def test_sgd_momentum_two_steps_by_hand():
    # v1 = -0.1 * 1 = -0.1, p1 = 0.9; v2 = 0.5 * -0.1 - 0.1 * 1 = -0.15, p2 = 0.75.
    p = np.array([1.0])
    opt = SGD(lr=0.1, momentum=0.5)
    opt.step([p], [np.array([1.0])])
    np.testing.assert_allclose(p, [0.9])
    opt.step([p], [np.array([1.0])])
    np.testing.assert_allclose(p, [0.75])
    opt.reset()  # velocity forgotten: the next step is a plain one again
    opt.step([p], [np.array([1.0])])
    np.testing.assert_allclose(p, [0.65])


def test_sgd_weight_decay_applies_to_weights_only():
    W, b = np.full((2, 2), 2.0), np.full(2, 2.0)
    zero_W, zero_b = np.zeros((2, 2)), np.zeros(2)
    SGD(lr=0.5, weight_decay=0.1).step([W, b], [zero_W, zero_b])
    np.testing.assert_allclose(W, 2.0 - 0.5 * 0.1 * 2.0)  # 1.9
    np.testing.assert_allclose(b, 2.0)


def test_sgd_momentum_and_weight_decay_combined():
    # g' = 1 + 0.5 * 2 = 2; v = -0.25 * 2 = -0.5; W = 1.5. Then
    # g' = 1 + 0.5 * 1.5 = 1.75; v = 0.8 * -0.5 - 0.25 * 1.75 = -0.8375.
    W = np.full((1, 1), 2.0)
    opt = SGD(lr=0.25, momentum=0.8, weight_decay=0.5)
    opt.step([W], [np.ones((1, 1))])
    np.testing.assert_allclose(W, [[1.5]])
    opt.step([W], [np.ones((1, 1))])
    np.testing.assert_allclose(W, [[1.5 - 0.8375]])


def test_sgd_updates_in_place_in_float32_and_leaves_grads_alone():
    W = np.ones((3, 4), dtype=np.float32)
    g = np.full((3, 4), 2.0, dtype=np.float32)
    address = W.__array_interface__["data"][0]
    SGD(lr=0.25, momentum=0.9, weight_decay=0.1).step([W], [g])
    assert W.dtype == np.float32
    assert W.__array_interface__["data"][0] == address
    np.testing.assert_array_equal(g, 2.0)
    np.testing.assert_allclose(W, 1 - 0.25 * (2 + 0.1), rtol=1e-6)


def test_sgd_step_allocates_no_new_arrays():
    W = np.ones((512, 512), dtype=np.float32)  # 1 MiB
    b = np.ones(512, dtype=np.float32)
    gW, gb = np.ones_like(W), np.ones_like(b)
    opt = SGD(lr=0.01, momentum=0.9, weight_decay=1e-4)
    opt.step([W, b], [gW, gb])  # allocates the velocity and scratch buffers
    tracemalloc.start()
    try:
        opt.step([W, b], [gW, gb])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024


def test_sgd_minimises_the_seed_bowl():
    p = np.zeros(2)
    opt = SGD(lr=0.1, momentum=0.5)
    for _ in range(200):
        opt.step([p], [bowl_grad(p)])
    np.testing.assert_allclose(p, [2.0, -1.0], atol=1e-8)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lr": 0}, ValueError, "lr must be > 0, but got 0"),
        ({"lr": "0.1"}, TypeError, "lr must be a number, but got '0.1'"),
        ({"momentum": -0.1}, ValueError, "momentum must be >= 0, but got -0.1"),
        ({"momentum": 1.0}, ValueError, "momentum must be < 1, but got 1.0"),
        ({"weight_decay": -1e-3}, ValueError, "weight_decay must be >= 0"),
    ],
)
def test_sgd_rejects_bad_hyperparameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        SGD(**kwargs)


def test_sgd_rejects_bad_params_and_grads():
    opt = SGD()
    W = np.zeros((2, 2))
    with pytest.raises(ValueError, match="same length, but got 1 params and 2 grads"):
        opt.step([W], [W, W])
    with pytest.raises(
        ValueError, match=r"grads\[0\] must have the shape of params\[0\] \(2, 2\), "
    ):
        opt.step([W], [np.zeros(2)])
    with pytest.raises(
        TypeError, match=r"params\[0\] must be a floating-point ndarray"
    ):
        opt.step([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(TypeError, match="but got an ndarray of dtype int64"):
        opt.step([np.zeros(2, dtype=np.int64)], [np.zeros(2)])


def test_sgd_asks_for_reset_when_parameters_change():
    opt = SGD(momentum=0.9)
    opt.step([np.zeros((2, 2))], [np.ones((2, 2))])
    with pytest.raises(ValueError, match=r"call reset\(\) before optimising new"):
        opt.step([np.zeros((3, 3))], [np.ones((3, 3))])
    opt.reset()
    opt.step([np.zeros((3, 3))], [np.ones((3, 3))])
