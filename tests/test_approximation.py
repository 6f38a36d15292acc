"""Tests for course.approximation: staircase networks and hand-built logic gates."""

import numpy as np
import pytest

from course._validation import NotFittedError
from course.activations import sigmoid
from course.approximation import (
    KINDS,
    ApproximationError,
    and_network,
    approximation_error,
    approximation_network,
    error_sweep,
    hidden_activations,
    nand_network,
    network_output,
    or_network,
    sigmoid_step_gap,
    truth_table,
    xor_network,
)
from course.mlp import MLP

TWO_PI = (0.0, 2 * np.pi)


def bumpy(x):
    """A Lipschitz function with a kink and wiggles; |f'| <= 1 + 1.5 = 2.5."""
    return np.abs(x - 0.3) + 0.5 * np.sin(3 * x)


BUMPY_L = 2.5
BUMPY_INTERVAL = (-1.0, 2.0)


# ------------------------------------------------------------------ sigmoid vs step
def test_sigmoid_step_gap_shrinks_like_sigmoid_of_minus_w_delta():
    x = np.linspace(-1, 1, 201)
    gaps = [sigmoid_step_gap(w, x, delta=0.1) for w in (1, 10, 100, 1000)]
    assert gaps == sorted(gaps, reverse=True)
    delta = np.min(np.abs(x[np.abs(x) >= 0.1]))
    for w, gap in zip((1, 10, 100, 1000), gaps, strict=True):
        assert gap == pytest.approx(sigmoid(-w * delta), rel=1e-12)
    assert gaps[-1] < 1e-40


def test_sigmoid_never_matches_the_step_at_zero():
    x = np.linspace(-1, 1, 201)  # contains 0
    for w in (1, 100, 1e4):
        assert sigmoid_step_gap(w, x, delta=0.0) == 0.5


# ------------------------------------------------------------------ logic gates
XOR_TABLE = [  # X Y A B Label, A = OR(X, Y), B = NAND(X, Y), Label = AND(A, B)
    [0, 0, 0, 1, 0],
    [0, 1, 1, 1, 1],
    [1, 0, 1, 1, 1],
    [1, 1, 1, 0, 0],
]
XOR_TABLE_INPUTS = np.array(XOR_TABLE)[:, :2]


def test_xor_network_reproduces_the_table_with_its_hidden_units():
    np.testing.assert_array_equal(truth_table(xor_network()), XOR_TABLE)


def test_xor_hidden_units_are_or_and_nand():
    net = xor_network()
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    (hidden,) = hidden_activations(net, X)
    np.testing.assert_array_equal(hidden[:, 0], truth_table(or_network())[:, 2])
    np.testing.assert_array_equal(hidden[:, 1], truth_table(nand_network())[:, 2])
    assert [W.tolist() for W in net.weights_] == [[[1, 1], [-1, -1]], [[1, 1]]]
    assert [b.tolist() for b in net.biases_] == [[-0.5, 1.5], [-1.5]]


@pytest.mark.parametrize(
    ("build", "outputs"),
    [
        (and_network, [0, 0, 0, 1]),
        (or_network, [0, 1, 1, 1]),
        (nand_network, [1, 1, 1, 0]),
    ],
)
def test_single_unit_gates(build, outputs):
    table = truth_table(build())
    np.testing.assert_array_equal(table, np.column_stack([XOR_TABLE_INPUTS, outputs]))
    assert hidden_activations(build(), XOR_TABLE_INPUTS) == []


def test_gates_are_mlps_of_step_units():
    for net in (and_network(), or_network(), nand_network(), xor_network()):
        assert isinstance(net, MLP)
        assert all(layer.activation.name == "step" for layer in net.layers_)


# -------------------------------------------------------------- staircase networks
@pytest.mark.parametrize("kind", KINDS)
def test_network_structure(kind):
    net = approximation_network(np.sin, TWO_PI, 8, kind=kind)
    assert isinstance(net, MLP)
    n_hidden = 16 if kind == "relu" else 8
    assert [W.shape for W in net.weights_] == [(n_hidden, 1), (1, n_hidden)]
    assert [b.shape for b in net.biases_] == [(n_hidden,), (1,)]
    assert net.layers_[0].activation.name == kind
    assert net.layers_[1].activation.name == "linear"
    assert net.loss == "mse"
    x = np.linspace(0, 1, 5)
    np.testing.assert_array_equal(network_output(net, x), net.predict(x[:, None]))


def test_step_network_takes_the_value_of_the_nearest_node():
    a, b = BUMPY_INTERVAL
    n = 6
    net = approximation_network(bumpy, BUMPY_INTERVAL, n)
    nodes = np.linspace(a, b, n + 1)
    x = np.linspace(a, b, 997)
    nearest = nodes[np.argmin(np.abs(x[:, None] - nodes[None, :]), axis=1)]
    away = np.min(np.abs(x[:, None] - (nodes[:-1] + nodes[1:])[None, :] / 2), axis=1)
    keep = away > 1e-9  # at a midpoint both nodes are equally near
    np.testing.assert_allclose(
        network_output(net, x)[keep], bumpy(nearest)[keep], rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(network_output(net, nodes), bumpy(nodes), atol=1e-12)


@pytest.mark.parametrize(
    ("f", "interval", "lipschitz"),
    [(np.sin, TWO_PI, 1.0), (bumpy, BUMPY_INTERVAL, BUMPY_L)],
)
def test_step_error_is_below_the_lipschitz_bound_and_shrinks_like_one_over_n(
    f, interval, lipschitz
):
    a, b = interval
    rows = error_sweep(f, interval, (1, 4, 16, 100), n_points=2001)
    for row in rows:
        assert row.sup <= lipschitz * (b - a) / (2 * row.n_steps) + 1e-12
    sups = [row.sup for row in rows]
    means = [row.mean for row in rows]
    assert sups == sorted(sups, reverse=True)
    assert means == sorted(means, reverse=True)
    ratio = rows[1].sup / rows[3].sup  # N = 4 against N = 100
    assert 25 / 3 < ratio < 3 * 25


def test_sigmoid_kind_converges_to_the_step_kind():
    a, b = TWO_PI
    n = 16
    h = (b - a) / n
    x = np.linspace(a, b, 3000)  # no point falls exactly on a threshold
    step_out = network_output(approximation_network(np.sin, TWO_PI, n), x)
    thresholds = np.linspace(a, b, n + 1)[:-1] + h / 2
    away = np.min(np.abs(x[:, None] - thresholds[None, :]), axis=1) >= h / 20
    total_jump = np.sum(np.abs(np.diff(np.sin(np.linspace(a, b, n + 1)))))
    mean_gaps = []
    for s in (1.0, 10.0, 100.0, 1e4):
        net = approximation_network(np.sin, TWO_PI, n, kind="sigmoid", steepness=s)
        gap = np.abs(network_output(net, x) - step_out)
        mean_gaps.append(gap.mean())
        # every sigmoid is within sigmoid(-s/20) of its step away from its centre
        assert gap[away].max() <= total_jump * sigmoid(-s / 20) + 1e-12
    assert mean_gaps == sorted(mean_gaps, reverse=True)
    assert mean_gaps[-1] < 1e-4


def test_relu_kind_is_continuous():
    a, b = BUMPY_INTERVAL
    n, s = 10, 5.0
    h = (b - a) / n
    jumps = np.diff(bumpy(np.linspace(a, b, n + 1)))
    slope_bound = s / h * np.max(np.abs(jumps))  # ramps of width h/s, no overlap
    relu_net = approximation_network(bumpy, BUMPY_INTERVAL, n, kind="relu", steepness=s)
    step_net = approximation_network(bumpy, BUMPY_INTERVAL, n)
    for n_points in (1001, 10001, 100001):
        x = np.linspace(a, b, n_points)
        dx = x[1] - x[0]
        assert np.max(np.abs(np.diff(network_output(relu_net, x)))) <= (
            slope_bound * dx * (1 + 1e-9)
        )
        # the step network keeps its jumps however fine the grid
        step_increments = np.abs(np.diff(network_output(step_net, x)))
        assert step_increments.max() == pytest.approx(np.max(np.abs(jumps)))


def test_relu_kind_with_unit_steepness_is_the_linear_interpolant():
    a, b = BUMPY_INTERVAL
    n = 12
    net = approximation_network(bumpy, BUMPY_INTERVAL, n, kind="relu", steepness=1.0)
    x = np.linspace(a, b, 3001)
    nodes = np.linspace(a, b, n + 1)
    np.testing.assert_allclose(
        network_output(net, x), np.interp(x, nodes, bumpy(nodes)), rtol=0, atol=1e-12
    )


def test_relu_and_sigmoid_kinds_also_converge_in_n():
    for kind in ("relu", "sigmoid"):
        rows = error_sweep(np.sin, TWO_PI, (4, 16, 100), kind=kind)
        assert [r.sup for r in rows] == sorted((r.sup for r in rows), reverse=True)
        assert rows[-1].sup < 0.05


def test_approximation_error_is_zero_when_the_network_is_exact():
    linear = lambda x: 3 * x - 1  # noqa: E731
    net = approximation_network(linear, (0, 1), 5, kind="relu", steepness=1.0)
    err = approximation_error(linear, net, (0, 1), n_points=11)
    assert isinstance(err, ApproximationError)
    assert err.sup < 1e-12 and err.mean < 1e-12


def test_approximation_error_values():
    net = approximation_network(np.sin, TWO_PI, 4)
    err = approximation_error(np.sin, net, TWO_PI, n_points=5)
    # the points 0, pi/2, pi, 3pi/2, 2pi are nodes: the staircase is exact there
    assert err == pytest.approx((0.0, 0.0), abs=1e-12)
    sup, mean = approximation_error(np.sin, net, TWO_PI, n_points=9)
    # the points pi/4 + k pi/2 are thresholds, where step(0) = 1 already gives the
    # value of the next node: errors |1 - r|, |0 - r|, |-1 + r|, |0 + r|, r = 1/sqrt 2
    assert sup == pytest.approx(np.sqrt(0.5))
    assert mean == pytest.approx(2 / 9)


def test_no_overflow_for_very_steep_units():
    with np.errstate(all="raise"):
        net = approximation_network(np.sin, TWO_PI, 100, kind="sigmoid", steepness=1e4)
        assert approximation_error(np.sin, net, TWO_PI).sup < np.pi / 100


# ---------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_steps": 0}, ValueError, "n_steps must be > 0, but got 0"),
        ({"n_steps": -3}, ValueError, "n_steps must be > 0, but got -3"),
        ({"n_steps": 2.5}, TypeError, "n_steps must be an integer, but got 2.5"),
        (
            {"interval": (1.0, 1.0)},
            ValueError,
            r"interval \(a, b\) must have a < b, but got a = 1 and b = 1",
        ),
        (
            {"interval": (2.0, -1.0)},
            ValueError,
            "must have a < b, but got a = 2 and b = -1",
        ),
        (
            {"interval": (0, 1, 2)},
            ValueError,
            r"interval must be a pair \(a, b\), but got 3",
        ),
        (
            {"interval": (0, np.inf)},
            ValueError,
            "interval must contain only finite values",
        ),
        ({"interval": "ab"}, TypeError, "interval must be array-like of numbers"),
        ({"f": 3.0}, TypeError, "f must be a callable function of x, but got float"),
        (
            {"f": lambda x: np.where(x > 1, np.inf, x)},
            ValueError,
            r"f must be finite on the interval, but f\(1.5\) = inf \(2 non-finite",
        ),
        (
            {"f": lambda x: np.full_like(x, np.nan)},
            ValueError,
            r"but f\(0\) = nan \(5 non-finite value\(s\)\)",
        ),
        (
            {"f": lambda x: 1.0},
            ValueError,
            r"f must return one value per point: called on an array of shape \(5,\) "
            r"it returned shape \(\)",
        ),
        (
            {"f": lambda x: np.array(["a"] * x.size)},
            TypeError,
            "f must return real numbers, but returned dtype <U1",
        ),
        (
            {"kind": "tanh"},
            ValueError,
            r"kind must be one of \('step', 'sigmoid', 'relu'\)",
        ),
        ({"steepness": 0.0}, ValueError, "steepness must be > 0, but got 0.0"),
        ({"steepness": None}, TypeError, "steepness must be a number, but got None"),
    ],
)
def test_approximation_network_rejects_bad_inputs(kwargs, error, message):
    args = {"f": np.sin, "interval": (0.0, 2.0), "n_steps": 4} | kwargs
    f, interval, n = args.pop("f"), args.pop("interval"), args.pop("n_steps")
    with pytest.raises(error, match=message):
        approximation_network(f, interval, n, **args)


def test_error_functions_reject_bad_inputs():
    net = approximation_network(np.sin, (0, 1), 4)
    with pytest.raises(ValueError, match="n_points must be >= 2, but got 1"):
        approximation_error(np.sin, net, (0, 1), n_points=1)
    with pytest.raises(
        TypeError, match="f must be a callable function of x, but got str"
    ):
        approximation_error("sin", net, (0, 1))
    with pytest.raises(ValueError, match="must have a < b, but got a = 1 and b = 0"):
        approximation_error(np.sin, net, (1, 0))
    with pytest.raises(TypeError, match="net must be an MLP, but got dict"):
        approximation_error(np.sin, {}, (0, 1))
    with pytest.raises(NotFittedError, match="This MLP instance is not fitted yet"):
        network_output(MLP([1, 3, 1]), [0.0])
    with pytest.raises(
        ValueError, match=r"net must have 1 input\(s\) and 1 output\(s\), but it has 2"
    ):
        network_output(xor_network(), [0.0])
    with pytest.raises(ValueError, match="x must be a 1-D array, but got a 2-D array"):
        network_output(net, [[0.0]])
    with pytest.raises(
        ValueError, match=r"net must have 2 input\(s\) and 1 output\(s\), but it has 1"
    ):
        truth_table(net)
    with pytest.raises(TypeError, match="net must be an MLP, but got str"):
        hidden_activations("xor", [[0, 1]])
    with pytest.raises(
        TypeError, match="n_steps must be a sequence of ints, but got int"
    ):
        error_sweep(np.sin, (0, 1), 4)
    with pytest.raises(ValueError, match="n_steps must contain at least one value"):
        error_sweep(np.sin, (0, 1), [])
    with pytest.raises(ValueError, match="n_steps must be > 0, but got 0"):
        error_sweep(np.sin, (0, 1), [4, 0])


def test_sigmoid_step_gap_rejects_bad_inputs():
    x = np.linspace(-1, 1, 5)
    with pytest.raises(ValueError, match="w must be > 0, but got -1"):
        sigmoid_step_gap(-1, x)
    with pytest.raises(ValueError, match="delta must be >= 0, but got -0.1"):
        sigmoid_step_gap(1, x, delta=-0.1)
    with pytest.raises(
        ValueError,
        match=r"x must contain points with \|x\| >= delta = 2, but none of its 5",
    ):
        sigmoid_step_gap(1, x, delta=2)
    with pytest.raises(ValueError, match="x must contain only finite values"):
        sigmoid_step_gap(1, [0.5, np.nan])
