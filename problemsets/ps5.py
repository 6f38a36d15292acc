"""ps5, approximation and depth: hidden cases for the source notebook ``solutions/ps5``.

Graded functions: ``staircase`` (a one-hidden-layer network of step or steep
sigmoid units that follows a function through its values at equally spaced nodes),
``relu_ramps`` (the same with a ramp of two ReLUs per step, which interpolates),
``pieces_for_error`` (how many ramps a target of :data:`course.examples.TARGETS`
needs for a given largest error), ``step_network`` (the forward pass of a network of
threshold units), ``and_gate`` and ``xor_gate`` (networks written by hand),
``init_weights`` (normal, Xavier and He initialisation) and
``layer_gradient_norms`` (the norm of each layer's weight gradient, to watch
gradients vanish). The explanation of vanishing gradients is a written answer,
graded by hand in formgrader.

``course.examples`` is handed out with this problem set: its targets are the
functions to approximate.
"""

from __future__ import annotations

import numpy as np

from course.approximation import (
    and_network,
    approximation_error,
    approximation_network,
    network_output,
    xor_network,
)
from course.examples import TARGETS
from course.layers import init_weights
from course.mlp import MLP
from grader.cases import Case, Part, allclose, array_equal
from grader.problemset import DEFAULT_HANDOUTS

from .ps4 import mlp_gradients, random_network

HANDOUTS = (*DEFAULT_HANDOUTS, "course.examples")

# ----------------------------------------------------------------------------------
# The course's networks
# ----------------------------------------------------------------------------------


def _network(f_values, a, b, kind, steepness):
    n_steps = len(f_values) - 1
    return approximation_network(
        lambda nodes: f_values, (a, b), n_steps, kind=kind, steepness=steepness
    )


def _staircase(x, a, b, f_values, kind, steepness):
    return network_output(_network(f_values, a, b, kind, steepness), x)


def _relu_ramps(x, a, b, f_values):
    return network_output(_network(f_values, a, b, "relu", 1.0), x)


def _pieces_for_error(name, max_error):
    target = TARGETS[name]
    n = 1
    while True:
        net = approximation_network(
            target.f, target.interval, n, kind="relu", steepness=1.0
        )
        if approximation_error(target.f, net, target.interval, 1001).sup <= max_error:
            return n
        n += 1


def _step_network(X, weights, biases):
    net = MLP.from_weights(weights, biases, "step", "step", "mse")
    return net.forward(X)


def _and_gate(X):
    return and_network().forward(X)[:, 0]


def _xor_gate(X):
    return xor_network().forward(X)[:, 0]


def _init_weights(n_in, n_out, init, scale, seed):
    return init_weights(n_in, n_out, init, scale=scale, seed=seed)


def _layer_gradient_norms(X, y, weights, biases, activation):
    _, grads_W, _ = mlp_gradients(X, y, weights, biases, activation)
    return np.array([np.linalg.norm(g) for g in grads_W])


# ----------------------------------------------------------------------------------
# Hidden inputs
# ----------------------------------------------------------------------------------


def _points(rng, a, b, n=40):
    return np.concatenate([[a, b], rng.uniform(a, b, size=n)])


def _sine_steps(rng):
    a, b = 0.0, 2 * np.pi
    return _points(rng, a, b), a, b, np.sin(np.linspace(a, b, 9)), "step", 10.0


def _one_step(rng):
    return _points(rng, -1.0, 1.0), -1.0, 1.0, rng.normal(size=2), "step", 10.0


def _random_steps(rng):
    values = rng.normal(size=21)
    return _points(rng, -2.0, 3.0), -2.0, 3.0, values, "step", 10.0


def _sigmoid_steps(rng):
    a, b = -1.0, 2.0
    return _points(rng, a, b), a, b, rng.normal(size=7), "sigmoid", 10.0


def _steep_sigmoids(rng):
    a, b = 0.0, 1.0
    return _points(rng, a, b), a, b, rng.normal(size=11), "sigmoid", 100.0


def _on_thresholds(rng):
    """Every x on a threshold or a node. On [0, 4] with 8 steps (h = 1/2) the nodes,
    the thresholds and the scores (s / h) (x - t_k) are exact in floating point in
    every usual way of computing them, so a unit sits exactly at H(0) at x = t_k."""
    a, b, n_steps = 0.0, 4.0, 8
    nodes = np.linspace(a, b, n_steps + 1)
    x = rng.permutation(np.concatenate([(nodes[:-1] + nodes[1:]) / 2, nodes]))
    return x, a, b, rng.normal(size=n_steps + 1), "step", 3.0


def _outside(rng):
    a, b = 0.0, 1.0
    x = rng.uniform(-1.0, 2.0, size=30)
    return x, a, b, rng.normal(size=6), "step", 10.0


def _ramps_sine(rng):
    a, b = 0.0, 2 * np.pi
    return _points(rng, a, b), a, b, np.sin(np.linspace(a, b, 9))


def _ramps_one(rng):
    return _points(rng, -1.0, 1.0), -1.0, 1.0, rng.normal(size=2)


def _ramps_random(rng):
    return _points(rng, -2.0, 3.0), -2.0, 3.0, rng.normal(size=16)


def _ramps_outside(rng):
    return rng.uniform(-1.0, 2.0, size=30), 0.0, 1.0, rng.normal(size=5)


def _corners():
    return np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _gate_weights(rng):
    return _corners(), [np.array([[1.0, 1.0]])], [np.array([-1.5])]


def _xor_weights(rng):
    weights = [np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([[1.0, 1.0]])]
    return _corners(), weights, [np.array([-0.5, 1.5]), np.array([-1.5])]


def _integer_layers(rng):
    X = rng.integers(-2, 3, size=(12, 3)).astype(np.float64)
    weights = [
        rng.integers(-2, 3, size=(4, 3)).astype(np.float64),
        rng.integers(-2, 3, size=(2, 4)).astype(np.float64),
    ]
    biases = [
        rng.integers(-2, 3, size=4).astype(np.float64),
        rng.integers(-2, 3, size=2).astype(np.float64),
    ]
    return X, weights, biases


def _one_sample(rng):
    X, weights, biases = _integer_layers(rng)
    return X[:1], weights, biases


def _three_layers(rng):
    weights, biases = random_network(rng, [4, 5, 3, 2])
    return rng.normal(size=(10, 4)), weights, biases


def _truth_table(rng):
    return (_corners(),)


def _repeated(rng):
    return (_corners()[rng.integers(0, 4, size=12)],)


def _single(rng):
    return (_corners()[[3]],)


def _he(rng):
    return 50, 20, "he", 0.01, int(rng.integers(1000))


def _xavier(rng):
    return 30, 40, "xavier", 0.01, int(rng.integers(1000))


def _normal(rng):
    return 8, 6, "normal", 0.5, int(rng.integers(1000))


def _one_unit(rng):
    return 12, 1, "he", 0.01, int(rng.integers(1000))


def _deep(sizes, activation, scale):
    def make_args(rng):
        weights, biases = random_network(rng, sizes, scale)
        X = rng.normal(size=(16, sizes[0]))
        return X, rng.integers(0, sizes[-1], size=16), weights, biases, activation

    return make_args


# ----------------------------------------------------------------------------------
# Parts
# ----------------------------------------------------------------------------------

_STAIRCASE = (
    "with N + 1 values at the nodes c_k = a + k h, h = (b - a) / N, the staircase is "
    "f(c_0) + sum over k of (f(c_k) - f(c_(k-1))) * H((s / h) (x - t_k)), with the "
    "thresholds t_k half-way between c_(k-1) and c_k, H the unit step (1 at 0) or "
    "the sigmoid, and s the steepness"
)
_RAMPS = (
    "relu_ramps is f(c_0) + sum over k of (f(c_k) - f(c_(k-1))) * (relu(z_k + 1/2) "
    "- relu(z_k - 1/2)), with z_k = (x - t_k) / h: each ramp rises from 0 to 1 "
    "between c_(k-1) and c_k"
)
_PIECES = (
    "pieces_for_error must return the smallest N (from 1) for which relu_ramps with "
    "N pieces, built on the values of the target at np.linspace(a, b, N + 1), is at "
    "most max_error away from the target at every point of np.linspace(a, b, 1001)"
)
_STEP_NETWORK = (
    "step_network must apply every layer in turn, Z = H(Z_prev @ W.T + b), with the "
    "unit step H(a) = 1 for a >= 0 and 0 otherwise, also in the last layer"
)
_AND = "and_gate must output 1 for the input (1, 1) only, and 0 otherwise"
_XOR = (
    "xor_gate must output 1 when exactly one input is 1: hidden units OR and NAND, "
    "then an AND of the two"
)
_INIT = (
    "init_weights must return std * np.random.default_rng(seed).standard_normal("
    "(n_out, n_in)) with std = scale for 'normal', sqrt(2 / (n_in + n_out)) for "
    "'xavier' and sqrt(2 / n_in) for 'he'"
)
_NORMS = (
    "layer_gradient_norms must return the Frobenius norm sqrt(sum(dW ** 2)) of the "
    "gradient of each layer's weights, input side first"
)
_TINY = {"rtol": 1e-6, "atol": 0.0}

PARTS = [
    Part(
        grade_id="staircase_hidden",
        function="staircase",
        points=2.0,
        cases=(
            Case(
                "sine, 8 steps",
                "staircase",
                _sine_steps,
                _staircase,
                allclose(1e-6, 1e-9),
                _STAIRCASE,
            ),
            Case(
                "one step",
                "staircase",
                _one_step,
                _staircase,
                allclose(1e-6, 1e-9),
                _STAIRCASE,
            ),
            Case(
                "20 random steps",
                "staircase",
                _random_steps,
                _staircase,
                allclose(1e-6, 1e-9),
                _STAIRCASE,
            ),
            Case(
                "sigmoid units",
                "staircase",
                _sigmoid_steps,
                _staircase,
                allclose(1e-6, 1e-9),
                f"{_STAIRCASE}; a sigmoid unit has the weight s / h, so that "
                f"every step gets steeper as the steps get narrower",
            ),
            Case(
                "steep sigmoids",
                "staircase",
                _steep_sigmoids,
                _staircase,
                allclose(1e-6, 1e-9),
                _STAIRCASE,
            ),
            Case(
                "x on the thresholds",
                "staircase",
                _on_thresholds,
                _staircase,
                allclose(1e-6, 1e-9),
                f"{_STAIRCASE}; at x = t_k a step unit already fires: H(0) = 1 (use "
                f">= 0, not > 0)",
            ),
            Case(
                "outside the interval",
                "staircase",
                _outside,
                _staircase,
                allclose(1e-6, 1e-9),
                f"{_STAIRCASE}; the formula also holds outside [a, b]",
            ),
        ),
    ),
    Part(
        grade_id="relu_ramps_hidden",
        function="relu_ramps",
        points=2.0,
        cases=(
            Case(
                "sine, 8 ramps",
                "relu_ramps",
                _ramps_sine,
                _relu_ramps,
                allclose(1e-6, 1e-9),
                _RAMPS,
            ),
            Case(
                "one ramp",
                "relu_ramps",
                _ramps_one,
                _relu_ramps,
                allclose(1e-6, 1e-9),
                _RAMPS,
            ),
            Case(
                "15 random ramps",
                "relu_ramps",
                _ramps_random,
                _relu_ramps,
                allclose(1e-6, 1e-9),
                _RAMPS,
            ),
            Case(
                "outside the interval",
                "relu_ramps",
                _ramps_outside,
                _relu_ramps,
                allclose(1e-6, 1e-9),
                f"{_RAMPS}; outside [a, b] the network is flat, because every "
                f"ramp is 0 or 1 there",
            ),
        ),
    ),
    Part(
        grade_id="pieces_for_error_hidden",
        function="pieces_for_error",
        points=2.0,
        cases=(
            Case(
                "sine",
                "pieces_for_error",
                lambda rng: ("sin", 0.05),
                _pieces_for_error,
                array_equal(),
                _PIECES,
            ),
            Case(
                "bump",
                "pieces_for_error",
                lambda rng: ("bump", 0.01),
                _pieces_for_error,
                array_equal(),
                _PIECES,
            ),
            Case(
                "absolute value",
                "pieces_for_error",
                lambda rng: ("|x|", 0.1),
                _pieces_for_error,
                array_equal(),
                _PIECES,
            ),
            Case(
                "an error of exactly max_error",
                "pieces_for_error",
                # One ramp through |x| on [-1, 1] is the constant 1: its largest
                # error, at x = 0, is exactly 1 in floating point.
                lambda rng: ("|x|", 1.0),
                _pieces_for_error,
                array_equal(),
                f"{_PIECES}; an error equal to max_error is allowed (<=, not <)",
            ),
            Case(
                "an error just below one ramp's",
                "pieces_for_error",
                # One ramp through |x| on [-1, 1] misses by exactly 1 at x = 0, a
                # point of np.linspace(-1, 1, 1001) (of no grid with an even count).
                lambda rng: ("|x|", 0.9995),
                _pieces_for_error,
                array_equal(),
                f"{_PIECES}; measure the error on exactly those 1001 points",
            ),
            Case(
                "wiggle",
                "pieces_for_error",
                lambda rng: ("x sin 5x", 0.05),
                _pieces_for_error,
                array_equal(),
                _PIECES,
            ),
        ),
    ),
    Part(
        grade_id="step_network_hidden",
        function="step_network",
        points=2.0,
        cases=(
            Case(
                "one unit",
                "step_network",
                _gate_weights,
                _step_network,
                array_equal(),
                _STEP_NETWORK,
            ),
            Case(
                "two layers",
                "step_network",
                _xor_weights,
                _step_network,
                array_equal(),
                _STEP_NETWORK,
            ),
            Case(
                "integer weights",
                "step_network",
                _integer_layers,
                _step_network,
                array_equal(),
                f"{_STEP_NETWORK}; a pre-activation of exactly 0 fires",
            ),
            Case(
                "single sample",
                "step_network",
                _one_sample,
                _step_network,
                array_equal(),
                _STEP_NETWORK,
            ),
            Case(
                "three layers",
                "step_network",
                _three_layers,
                _step_network,
                array_equal(),
                _STEP_NETWORK,
            ),
        ),
    ),
    Part(
        grade_id="and_gate_hidden",
        function="and_gate",
        points=1.0,
        cases=(
            Case(
                "truth table", "and_gate", _truth_table, _and_gate, array_equal(), _AND
            ),
            Case(
                "repeated inputs", "and_gate", _repeated, _and_gate, array_equal(), _AND
            ),
            Case(
                "single input",
                "and_gate",
                _single,
                _and_gate,
                array_equal(),
                f"{_AND}; return one value per row of X",
            ),
        ),
    ),
    Part(
        grade_id="xor_gate_hidden",
        function="xor_gate",
        points=2.0,
        cases=(
            Case(
                "truth table", "xor_gate", _truth_table, _xor_gate, array_equal(), _XOR
            ),
            Case(
                "repeated inputs", "xor_gate", _repeated, _xor_gate, array_equal(), _XOR
            ),
            Case(
                "single input",
                "xor_gate",
                _single,
                _xor_gate,
                array_equal(),
                f"{_XOR}; return one value per row of X",
            ),
        ),
    ),
    Part(
        grade_id="init_weights_hidden",
        function="init_weights",
        points=1.0,
        cases=(
            Case("He", "init_weights", _he, _init_weights, allclose(), _INIT),
            Case("Xavier", "init_weights", _xavier, _init_weights, allclose(), _INIT),
            Case("normal", "init_weights", _normal, _init_weights, allclose(), _INIT),
            Case(
                "one output unit",
                "init_weights",
                _one_unit,
                _init_weights,
                allclose(),
                f"{_INIT}; the shape is (n_out, n_in)",
            ),
        ),
    ),
    Part(
        grade_id="layer_gradient_norms_hidden",
        function="layer_gradient_norms",
        points=2.0,
        cases=(
            Case(
                "deep sigmoid network",
                "layer_gradient_norms",
                _deep([8] * 9 + [3], "sigmoid", 1.0),
                _layer_gradient_norms,
                allclose(**_TINY),
                f"{_NORMS}; tiny norms count too: compare them relative to their size",
            ),
            Case(
                "ReLU network",
                "layer_gradient_norms",
                _deep([6, 10, 10, 10, 4], "relu", 1.0),
                _layer_gradient_norms,
                allclose(**_TINY),
                _NORMS,
            ),
            Case(
                "large weights",
                "layer_gradient_norms",
                _deep([5, 8, 8, 8, 8, 3], "tanh", 4.0),
                _layer_gradient_norms,
                allclose(**_TINY),
                _NORMS,
            ),
            Case(
                "one layer",
                "layer_gradient_norms",
                _deep([4, 3], "relu", 1.0),
                _layer_gradient_norms,
                allclose(**_TINY),
                f"{_NORMS}; one layer gives one norm",
            ),
        ),
    ),
]
