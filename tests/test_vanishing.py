"""Tests for course.vanishing: gradient norms and Jacobians of deep networks."""

import numpy as np
import pytest

from course.mlp import MLP
from course.vanishing import (
    DepthSweep,
    GradientReport,
    Sweep,
    deep_mlp,
    depth_sweep,
    gradient_report,
    jacobian_norms,
    sweep,
)

SMALL = dict(width=32, n_samples=16)


def test_sigmoid_gradients_shrink_with_depth_by_orders_of_magnitude():
    result = depth_sweep(
        [1, 2, 5, 10, 20], activation="sigmoid", init="xavier", **SMALL
    )
    assert isinstance(result, DepthSweep)
    np.testing.assert_array_equal(result.depths, [1, 2, 5, 10, 20])
    assert np.all(np.diff(result.first_layer) < 0)
    assert result.first_layer[-1] < 1e-8 * result.first_layer[0]
    # The gradient of the last layer does not depend much on the depth.
    assert np.all((result.last_layer > 0.1) & (result.last_layer < 10))


def test_sweep_contrasts_vanishing_stable_and_exploding_gradients():
    result = sweep(
        [
            {"activation": "sigmoid", "init": "xavier"},
            {"activation": "relu", "init": "he"},
            {"activation": "relu", "init": "normal", "scale": 0.5},
        ],
        depth=20,
        **SMALL,
    )
    assert isinstance(result, Sweep)
    assert result.labels == ["sigmoid, xavier", "relu, he", "relu, normal(0.5)"]
    np.testing.assert_array_equal(result.layer, np.arange(1, 22))
    for name in ("grad_norms", "jacobian_norms", "jacobian_products"):
        assert getattr(result, name).shape == (3, 21)
    sigmoid, he, large = result.grad_norms
    # sigmoid: each layer passes back less than half of the gradient it receives
    assert sigmoid[0] < 1e-8 * sigmoid[-1]
    assert np.all(np.diff(np.log(sigmoid)) > np.log(2))
    # ReLU with He's initialisation: within a factor of 10 over 20 layers
    assert he.max() < 10 * he.min()
    # weights twice He's standard deviation (0.25 for 32 inputs): each layer
    # about doubles the gradient, 2**21 over the network
    assert large.min() > 1e5 * he.max()
    assert result.jacobian_products[2, 0] > 1e12


def test_sweep_fills_in_the_defaults_of_gradient_report():
    result = sweep([{"activation": "tanh"}, {}], depth=3, **SMALL)
    assert result.labels == ["tanh, xavier", "sigmoid, xavier"]
    default = gradient_report(3, **SMALL)
    np.testing.assert_array_equal(result.grad_norms[1], default.grad_norms)


def test_jacobian_norms_match_the_layer_jacobians(rng):
    mlp = deep_mlp(2, 4, "tanh", "xavier", seed=1)
    X = rng.standard_normal((3, 4))
    mlp.forward(X)
    norms = jacobian_norms(mlp)
    assert norms.shape == (3, 3)
    h = 1e-6
    inputs = [X] + [layer.Z for layer in mlp.layers_[:-1]]
    for k, layer in enumerate(mlp.layers_):
        saved = (layer.Z_prev, layer.A, layer.Z)
        for s in range(3):
            z = inputs[k][s]
            columns = []
            for j in range(z.size):
                step = np.zeros_like(z)
                step[j] = h
                plus = layer.forward((z + step)[None])[0]
                minus = layer.forward((z - step)[None])[0]
                columns.append((plus - minus) / (2 * h))
            numerical = np.column_stack(columns)  # dz^l / dz^{l-1}
            expected = np.linalg.norm(numerical, 2)
            assert norms[s, k] == pytest.approx(expected, rel=1e-6)
        layer.Z_prev, layer.A, layer.Z = saved


def test_sigmoid_jacobians_are_at_most_a_quarter_of_the_weights():
    mlp = deep_mlp(3, 8, "sigmoid", "xavier", seed=0)
    mlp.forward(np.random.default_rng(0).standard_normal((5, 8)))
    norms = jacobian_norms(mlp)
    for k, layer in enumerate(mlp.layers_[:-1]):
        assert np.all(norms[:, k] <= 0.25 * np.linalg.norm(layer.W, 2) + 1e-12)
    np.testing.assert_allclose(norms[:, -1], np.linalg.norm(mlp.weights_[-1], 2))


def test_gradient_report_products_are_cumulative_from_the_output():
    report = gradient_report(6, 16, "tanh", "xavier", n_samples=8)
    assert isinstance(report, GradientReport)
    np.testing.assert_array_equal(report.layer, np.arange(1, 8))
    assert report.jacobian_products[-1] == 1
    for k in range(7):
        expected = np.prod(report.jacobian_norms[k + 1 :])
        assert report.jacobian_products[k] == pytest.approx(expected)
    assert np.all(report.grad_norms > 0)


def test_gradient_report_reads_the_gradients_of_the_mlp():
    depth, width, seed = 3, 8, 4
    report = gradient_report(depth, width, "elu", "he", n_samples=5, seed=seed)
    mlp = deep_mlp(depth, width, "elu", "he", seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((5, width))
    y = rng.integers(10, size=5)
    _, grads_W, _ = mlp.loss_and_gradients(X, y)
    np.testing.assert_allclose(report.grad_norms, [np.linalg.norm(g) for g in grads_W])


def test_gradient_report_can_skip_the_jacobians():
    full = gradient_report(5, 8, "gelu", "he", n_samples=4)
    fast = gradient_report(5, 8, "gelu", "he", n_samples=4, jacobians=False)
    assert fast.jacobian_norms is None and fast.jacobian_products is None
    np.testing.assert_array_equal(fast.grad_norms, full.grad_norms)
    np.testing.assert_array_equal(fast.layer, full.layer)


def test_depth_sweep_reads_the_gradient_reports():
    result = depth_sweep([2, 4], activation="tanh", init="xavier", **SMALL)
    for k, depth in enumerate([2, 4]):
        report = gradient_report(depth, 32, "tanh", "xavier", n_samples=16)
        assert result.first_layer[k] == report.grad_norms[0]
        assert result.last_layer[k] == report.grad_norms[-1]


def test_deep_mlp_has_the_requested_shape_and_initialisation():
    mlp = deep_mlp(4, 200, "relu", "he", n_in=100, n_classes=3, seed=0)
    assert isinstance(mlp, MLP)
    assert [W.shape for W in mlp.weights_] == [(200, 100)] + [(200, 200)] * 3 + [
        (3, 200)
    ]
    assert mlp.weights_[1].std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    assert all(np.all(b == 0) for b in mlp.biases_)
    normal = deep_mlp(2, 50, "tanh", "normal", 0.3, seed=0)
    assert normal.weights_[1].std() == pytest.approx(0.3, rel=0.05)


def test_bad_arguments_are_reported():
    with pytest.raises(ValueError, match=r"depth must be > 0, but got 0"):
        gradient_report(0)
    with pytest.raises(ValueError, match=r"n_samples must be > 0, but got 0"):
        gradient_report(2, 4, n_samples=0)
    with pytest.raises(
        ValueError,
        match=r"each setting may only have the keys \['activation', 'init', 'scale'\]"
        r", but got \['depth'\]",
    ):
        sweep([{"activation": "relu", "depth": 3}])
    with pytest.raises(ValueError, match=r"settings must hold at least one setting"):
        sweep([])
    with pytest.raises(ValueError, match=r"call mlp.forward\(X\) first"):
        jacobian_norms(deep_mlp(2, 4))
