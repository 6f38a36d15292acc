"""Universal approximation in one dimension, and logic gates built by hand.

The universal approximation theorem says that a network with one hidden layer and
enough hidden units can approximate any continuous function on a closed interval
as closely as we like. This module makes the usual constructive argument concrete:

1. A sigmoid with a large weight is almost a unit step: ``sigmoid(w x)`` tends to
   ``step(x)`` as ``w`` grows, uniformly outside any neighbourhood of 0
   (:func:`sigmoid_step_gap`).
2. A sum of ``N`` steps is a staircase, and a staircase with small enough stairs
   follows any continuous function (:func:`approximation_network`). The
   staircase is an ordinary :class:`course.mlp.MLP` whose weights are written
   down rather than trained. Its steps can be exact (step units), smooth (steep
   sigmoids) or ramps (each one the difference of two ReLUs).
3. The error shrinks as ``N`` grows, like ``1/N`` for a Lipschitz function
   (:func:`approximation_error`, :func:`error_sweep`).

What the theorem does not say: how many units a given accuracy needs (for a
bumpy function or many input dimensions it can be astronomically many), how to
find the weights by training (gradient descent may not find them), or whether a
network that fits the training points will do well on new data. It is an
existence result; universal approximators are common (piecewise polynomials,
wavelets, deep decision trees), and the theorem explains a network's ability to
fit its training set, not why it generalises.

The last part builds logic gates with step units (:func:`and_network`,
:func:`or_network`, :func:`nand_network`) and the two-layer network for XOR,
whose hidden units compute ``A = OR(x, y)`` and ``B = NAND(x, y)`` and whose
output is ``AND(A, B)`` (:func:`xor_network`, :func:`truth_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from course._validation import as_float_array, check_is_fitted, check_positive
from course.activations import sigmoid, step
from course.mlp import MLP

__all__ = [
    "KINDS",
    "sigmoid_step_gap",
    "approximation_network",
    "network_output",
    "ApproximationError",
    "approximation_error",
    "SweepRow",
    "error_sweep",
    "and_network",
    "or_network",
    "nand_network",
    "xor_network",
    "hidden_activations",
    "truth_table",
]

#: The three kinds of hidden units of :func:`approximation_network`.
KINDS = ("step", "sigmoid", "relu")


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _check_callable(f) -> None:
    if not callable(f):
        raise TypeError(
            f"f must be a callable function of x, but got {type(f).__name__}."
        )


def _check_interval(interval) -> tuple[float, float]:
    """Return ``(a, b)`` as floats with ``a < b``, or raise."""
    arr = as_float_array(interval, "interval", ndim=1, dtype=np.float64)
    if arr.shape != (2,):
        raise ValueError(
            f"interval must be a pair (a, b), but got {arr.size} value(s)."
        )
    a, b = float(arr[0]), float(arr[1])
    if not a < b:
        raise ValueError(
            f"interval (a, b) must have a < b, but got a = {a:g} and b = {b:g}."
        )
    return a, b


def _evaluate(f: Callable, x: np.ndarray) -> np.ndarray:
    """``f(x)`` as a finite float64 array of the shape of ``x``, or raise."""
    y = np.asarray(f(x))
    if y.shape != x.shape:
        raise ValueError(
            "f must return one value per point: called on an array of shape "
            f"{x.shape} it returned shape {y.shape} (use numpy functions such as "
            "np.sin, or np.vectorize)."
        )
    if np.iscomplexobj(y) or not (
        np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_
    ):
        raise TypeError(f"f must return real numbers, but returned dtype {y.dtype}.")
    y = y.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"f must be finite on the interval, but f({x[i]:g}) = {y[i]} "
            f"({bad.size} non-finite value(s))."
        )
    return y


def _check_net(net, n_in: int | None = None, n_out: int | None = None) -> None:
    """Check that ``net`` is a built MLP with ``n_in`` inputs and ``n_out`` outputs."""
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an MLP, but got {type(net).__name__}.")
    check_is_fitted(net, "layers_")
    if n_in is None:
        return
    sizes = (net.layers_[0].n_in, net.layers_[-1].n_out)
    if sizes != (n_in, n_out):
        raise ValueError(
            f"net must have {n_in} input(s) and {n_out} output(s), but it has "
            f"{sizes[0]} input(s) and "
            f"{sizes[1]} output(s)."
        )


# --------------------------------------------------------------------------
# a steep sigmoid is almost a step
# --------------------------------------------------------------------------


def sigmoid_step_gap(w: float, x, *, delta: float = 0.1) -> float:
    """Largest gap between ``sigmoid(w x)`` and ``step(x)`` away from 0.

    .. math:: \\max_{x_i : |x_i| \\ge \\delta} |\\sigma(w x_i) - H(x_i)|
              = \\sigma(-w \\min_{|x_i| \\ge \\delta} |x_i|)

    with :math:`H(x) = 1` for :math:`x \\ge 0` and 0 otherwise. For a fixed
    :math:`\\delta > 0` it is at most :math:`\\sigma(-w\\delta) < e^{-w\\delta}`,
    which goes to 0 as the weight ``w`` grows: with large weights a sigmoid unit
    behaves like a step unit. Near 0 it does not: :math:`\\sigma(0) = 1/2` for
    every ``w``, so with ``delta=0`` and ``0`` among the points the gap stays 1/2.

    Parameters
    ----------
    w : float
        Weight (steepness) of the sigmoid, > 0.
    x : array_like of shape (n_points,)
        Points at which to compare.
    delta : float, default 0.1
        Half-width of the neighbourhood of 0 that is left out, >= 0.

    Returns
    -------
    float
        The gap, in [0, 1/2].

    Examples
    --------
    >>> x = np.linspace(-1, 1, 201)
    >>> [round(sigmoid_step_gap(w, x), 4) for w in (1, 10, 100)]
    [0.475, 0.2689, 0.0]
    """
    w = check_positive(w, "w")
    delta = check_positive(delta, "delta", strict=False)
    x = as_float_array(x, "x", ndim=1, dtype=np.float64)
    far = x[np.abs(x) >= delta]
    if far.size == 0:
        raise ValueError(
            f"x must contain points with |x| >= delta = {delta:g}, but none of its "
            f"{x.size} point(s) does."
        )
    return float(np.max(np.abs(sigmoid(w * far) - step(far))))


# --------------------------------------------------------------------------
# staircases as networks
# --------------------------------------------------------------------------


def approximation_network(
    f: Callable[[np.ndarray], np.ndarray],
    interval: tuple[float, float],
    n_steps: int,
    *,
    kind: str = "step",
    steepness: float = 10.0,
) -> MLP:
    """A one-hidden-layer network that approximates ``f`` on ``[a, b]`` by steps.

    Take the ``N + 1`` equally spaced nodes :math:`c_k = a + k h`,
    :math:`h = (b - a) / N`, and the ``N`` midpoints
    :math:`t_k = (c_{k-1} + c_k) / 2` between them. The staircase

    .. math:: g(x) = f(c_0) + \\sum_{k=1}^{N} \\big(f(c_k) - f(c_{k-1})\\big)
              \\, H\\!\\left(\\frac{s}{h} (x - t_k)\\right)

    equals :math:`f` at the node nearest to :math:`x`, so for an
    :math:`L`-Lipschitz :math:`f` its error is at most :math:`L h / 2 =
    L (b - a) / (2N)`. As a network: hidden unit ``k`` has weight :math:`s/h`
    and bias :math:`-s t_k / h`; the output layer is linear, with the jumps as
    weights and :math:`f(c_0)` as bias. The step :math:`H` is

    - ``kind="step"``: the unit step itself (any ``steepness`` gives the same
      network function);
    - ``kind="sigmoid"``: :math:`\\sigma`, which tends to the step as
      ``steepness`` grows, except at the :math:`t_k` where it is 1/2;
    - ``kind="relu"``: the ramp :math:`\\mathrm{relu}(z + 1/2) -
      \\mathrm{relu}(z - 1/2)`, two ReLU units per step (``2N`` hidden units),
      which rises linearly from 0 to 1 over a width :math:`h / s` around
      :math:`t_k`. The result is continuous; with ``steepness=1`` each ramp
      joins two neighbouring nodes, and the network is exactly the
      piecewise linear interpolant of ``f`` at the nodes.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray``, vectorised: called once on the array of nodes, of
        shape ``(N + 1,)``, it must return finite values of the same shape.
    interval : (float, float)
        ``(a, b)`` with ``a < b``.
    n_steps : int
        Number of steps ``N`` >= 1.
    kind : {"step", "sigmoid", "relu"}, default "step"
        Hidden units, see above.
    steepness : float, default 10.0
        Slope ``s`` of each step in units of ``1/h`` (a transition about ``h/s``
        wide), > 0.

    Returns
    -------
    MLP
        ``MLP.from_weights`` with layer sizes ``[1, N, 1]`` (``[1, 2N, 1]`` for
        ReLU), the hidden activation ``kind``, a linear output and ``loss="mse"``.
        Evaluate it with :func:`network_output` or ``net.forward(x[:, None])``.

    Examples
    --------
    >>> net = approximation_network(np.sin, (0, np.pi), 4)
    >>> [w.shape for w in net.weights_]
    [(4, 1), (1, 4)]
    """
    _check_callable(f)
    a, b = _check_interval(interval)
    n = check_positive(n_steps, "n_steps", integer=True)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, but got {kind!r}.")
    s = check_positive(steepness, "steepness")
    h = (b - a) / n
    nodes = np.linspace(a, b, n + 1)
    values = _evaluate(f, nodes)
    jumps = np.diff(values)
    slope = s / h
    thresholds = (nodes[:-1] + nodes[1:]) / 2
    W1 = np.full((n, 1), slope)
    b1 = -slope * thresholds
    if kind == "relu":
        W1 = np.vstack([W1, W1])
        b1 = np.concatenate([b1 + 0.5, b1 - 0.5])
        jumps = np.concatenate([jumps, -jumps])
    return MLP.from_weights(
        [W1, jumps[None, :]],
        [b1, values[:1]],
        activation=kind,
        output_activation="linear",
        loss="mse",
    )


def network_output(net: MLP, x) -> np.ndarray:
    """Output of a network with one input and one output, at the points ``x``.

    Parameters
    ----------
    net : MLP
        With layer sizes ``[1, ..., 1]``.
    x : array_like of shape (n_points,)

    Returns
    -------
    ndarray of shape (n_points,)
        ``net.forward(x[:, None])[:, 0]``.
    """
    _check_net(net, 1, 1)
    x = as_float_array(x, "x", ndim=1, dtype=np.float64)
    return net.forward(x[:, None])[:, 0]


class ApproximationError(NamedTuple):
    """Distance between a function and a network on a grid of points."""

    sup: float
    """Largest absolute error, :math:`\\max_i |f(x_i) - g(x_i)|`."""
    mean: float
    """Mean absolute error, :math:`\\frac{1}{n}\\sum_i |f(x_i) - g(x_i)|`."""


def approximation_error(
    f: Callable[[np.ndarray], np.ndarray],
    net: MLP,
    interval: tuple[float, float],
    n_points: int = 1001,
) -> ApproximationError:
    """Largest and mean absolute error of ``net`` against ``f`` on ``[a, b]``.

    Parameters
    ----------
    f : callable
        Vectorised ``f(x) -> ndarray`` (see :func:`approximation_network`).
    net : MLP
        With one input and one output.
    interval : (float, float)
        ``(a, b)`` with ``a < b``.
    n_points : int, default 1001
        Number of equally spaced points, ends included, >= 2.

    Returns
    -------
    ApproximationError
        Named tuple ``(sup, mean)``.
    """
    _check_callable(f)
    a, b = _check_interval(interval)
    check_positive(n_points, "n_points", integer=True)
    if n_points < 2:
        raise ValueError(f"n_points must be >= 2, but got {n_points}.")
    x = np.linspace(a, b, n_points)
    err = np.abs(_evaluate(f, x) - network_output(net, x))
    return ApproximationError(float(err.max()), float(err.mean()))


class SweepRow(NamedTuple):
    """One row of :func:`error_sweep`."""

    n_steps: int
    sup: float
    mean: float


def error_sweep(
    f: Callable[[np.ndarray], np.ndarray],
    interval: tuple[float, float],
    n_steps: Sequence[int] = (4, 16, 100),
    *,
    kind: str = "step",
    steepness: float = 10.0,
    n_points: int = 1001,
) -> list[SweepRow]:
    """Approximation error of :func:`approximation_network` for several ``N``.

    Parameters
    ----------
    f, interval, kind, steepness
        As for :func:`approximation_network`.
    n_steps : sequence of int, default (4, 16, 100)
        The values of ``N``.
    n_points : int, default 1001
        As for :func:`approximation_error`.

    Returns
    -------
    list of SweepRow
        ``(n_steps, sup, mean)`` for each ``N``, in the given order.

    Examples
    --------
    >>> rows = error_sweep(np.sin, (0, 2 * np.pi))
    >>> [round(row.sup, 3) for row in rows]
    [0.707, 0.194, 0.031]
    """
    if isinstance(n_steps, (str, bytes)) or not isinstance(n_steps, Sequence):
        raise TypeError(
            f"n_steps must be a sequence of ints, but got {type(n_steps).__name__}."
        )
    if len(n_steps) == 0:
        raise ValueError("n_steps must contain at least one value, but got none.")
    rows = []
    for n in n_steps:
        net = approximation_network(f, interval, n, kind=kind, steepness=steepness)
        err = approximation_error(f, net, interval, n_points)
        rows.append(SweepRow(int(n), err.sup, err.mean))
    return rows


# --------------------------------------------------------------------------
# logic gates
# --------------------------------------------------------------------------

# Threshold units step(w . x + b) on inputs in {0, 1}. AND fires when both
# inputs are on (x + y >= 2), OR when one is (x + y >= 1), NAND unless both are
# (x + y <= 1). The thresholds sit half-way between the possible sums, so no
# input lies on a decision boundary.
_GATE_UNITS = {
    "and": ((1.0, 1.0), -1.5),
    "or": ((1.0, 1.0), -0.5),
    "nand": ((-1.0, -1.0), 1.5),
}


def _gate_network(layers: Sequence[Sequence[str]]) -> MLP:
    """A network of step units, each one a gate of ``_GATE_UNITS``."""
    weights = [np.array([_GATE_UNITS[g][0] for g in layer]) for layer in layers]
    biases = [np.array([_GATE_UNITS[g][1] for g in layer]) for layer in layers]
    return MLP.from_weights(
        weights, biases, activation="step", output_activation="step", loss="mse"
    )


def and_network() -> MLP:
    """One step unit computing ``x AND y``: ``step(x + y - 1.5)``.

    Returns
    -------
    MLP
        Layer sizes ``[2, 1]``; ``net.forward(X)`` gives 0.0 or 1.0.
    """
    return _gate_network([["and"]])


def or_network() -> MLP:
    """One step unit computing ``x OR y``: ``step(x + y - 0.5)``.

    Returns
    -------
    MLP
        Layer sizes ``[2, 1]``.
    """
    return _gate_network([["or"]])


def nand_network() -> MLP:
    """One step unit computing ``NOT (x AND y)``: ``step(-x - y + 1.5)``.

    Returns
    -------
    MLP
        Layer sizes ``[2, 1]``.
    """
    return _gate_network([["nand"]])


def xor_network() -> MLP:
    """Two layers of step units computing ``x XOR y``.

    No single threshold unit computes XOR (its two classes are not linearly
    separable). One hidden layer fixes that: hidden unit ``A = OR(x, y)``,
    hidden unit ``B = NAND(x, y)``, output ``AND(A, B)``. The hidden layer maps
    the four inputs to points that a line separates.

    Returns
    -------
    MLP
        Layer sizes ``[2, 2, 1]``: ``W^1 = [[1, 1], [-1, -1]]``,
        ``b^1 = [-0.5, 1.5]``, ``W^2 = [[1, 1]]``, ``b^2 = [-1.5]``.
    """
    return _gate_network([["or", "nand"], ["and"]])


def _layer_outputs(net: MLP, X) -> list[np.ndarray]:
    """Run ``net`` once on ``X``; return every layer's output ``z^l``."""
    net.forward(X)
    return [layer.Z for layer in net.layers_]


def hidden_activations(net: MLP, X) -> list[np.ndarray]:
    """Outputs of the hidden layers of ``net`` on the inputs ``X``.

    Parameters
    ----------
    net : MLP
    X : array_like of shape (n_samples, n_features)

    Returns
    -------
    list of ndarray
        ``z^l`` of shape ``(n_samples, n_l)`` for each hidden layer ``l``, input
        side first (empty for a network without hidden layers).
    """
    _check_net(net)
    return [Z.copy() for Z in _layer_outputs(net, X)[:-1]]


def truth_table(net: MLP) -> np.ndarray:
    """Truth table of a network with two binary inputs, hidden units included.

    Parameters
    ----------
    net : MLP
        With 2 inputs and 1 output, e.g. from :func:`xor_network`.

    Returns
    -------
    ndarray of shape (4, 3 + n_hidden_units)
        Rows for the inputs ``(0, 0), (0, 1), (1, 0), (1, 1)``; columns: the two
        inputs, the hidden units layer by layer, the output. For
        :func:`xor_network` the columns are ``X Y A B Label``.
    """
    _check_net(net, 2, 1)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return np.hstack([X, *_layer_outputs(net, X)])
