"""ps4, backpropagation: hidden cases for the source notebook ``solutions/ps4``.

Graded functions: the dense layer ``dense_forward`` and ``dense_backward``, the
backward passes of three activations (``relu_backward``, ``sigmoid_backward``,
``tanh_backward``, each taking the upstream gradient and the pre-activation), the
whole backward pass of an MLP with a softmax cross-entropy output
(``mlp_backward``), a central-difference ``numerical_gradient`` with respect to one
layer's weights and the ``rel_error`` of a gradient check, and ``train_mlp``,
mini-batch gradient descent over the batches in order (the notebook trains it on XOR
and on MNIST).

Networks are given as lists ``weights`` (``W`` of shape ``(n_out, n_in)``) and
``biases``, with the activation of the hidden layers named by a string (``"relu"``,
``"sigmoid"`` or ``"tanh"``); the output layer is linear (logits).
"""

from __future__ import annotations

import numpy as np

from course.activations import relu_derivative, sigmoid_derivative, tanh_derivative
from course.gradcheck import numerical_gradient, rel_error
from course.layers import Dense
from course.mlp import MLP
from course.optim import SGD, minibatches
from grader.cases import Case, Part, allclose, scalar_close

# ----------------------------------------------------------------------------------
# The course's layers and networks at given weights
# ----------------------------------------------------------------------------------


def network(weights, biases, activation) -> MLP:
    """A course MLP with the given layers, a linear output and cross-entropy."""
    return MLP.from_weights(weights, biases, activation, "linear", "cross_entropy")


def _dense_forward(Z_prev, W, b):
    return Dense.from_weights(W, b).forward(Z_prev)


def _dense_backward(dA, Z_prev, W):
    layer = Dense.from_weights(W, np.zeros(W.shape[0]))
    layer.forward(Z_prev)
    return layer.backward_affine(dA)


def _relu_backward(dZ, A):
    return dZ * relu_derivative(A)


def _sigmoid_backward(dZ, A):
    return dZ * sigmoid_derivative(A)


def _tanh_backward(dZ, A):
    return dZ * tanh_derivative(A)


def mlp_gradients(X, y, weights, biases, activation):
    """``(loss, grads_W, grads_b)`` of the mean cross-entropy of a course MLP."""
    return network(weights, biases, activation).loss_and_gradients(X, y)


def _numerical_gradient(X, y, weights, biases, activation, layer, h):
    weights = [np.array(W, dtype=np.float64) for W in weights]

    def loss(W):
        weights[layer] = W
        return mlp_gradients(X, y, weights, biases, activation)[0]

    return numerical_gradient(loss, weights[layer].copy(), h)


def _train_mlp(X, y, weights, biases, activation, lr, n_epochs, batch_size):
    model = network(weights, biases, activation)
    optimizer = SGD(lr=lr)
    for _ in range(n_epochs):
        for batch in minibatches(len(X), batch_size, shuffle=False):
            _, grads_W, grads_b = model.loss_and_gradients(X[batch], y[batch])
            optimizer.step(model.weights_ + model.biases_, grads_W + grads_b)
    return model.weights_, model.biases_


# ----------------------------------------------------------------------------------
# Hidden inputs
# ----------------------------------------------------------------------------------


def random_network(rng, sizes, scale=1.0):
    """Weights (He-scaled normal, times ``scale``) and small random biases."""
    weights = [
        scale * rng.normal(scale=np.sqrt(2.0 / n_in), size=(n_out, n_in))
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    biases = [rng.normal(scale=0.1, size=n_out) for n_out in sizes[1:]]
    return weights, biases


def _forward_batch(rng):
    return rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)


def _forward_square(rng):
    return rng.normal(size=(4, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)


def _forward_single(rng):
    return rng.normal(size=(1, 6)), rng.normal(size=(2, 6)), rng.normal(size=2)


def _forward_one_unit(rng):
    return rng.normal(size=(7, 3)), rng.normal(size=(1, 3)), rng.normal(size=1)


def _backward_batch(rng):
    return rng.normal(size=(5, 4)), rng.normal(size=(5, 3)), rng.normal(size=(4, 3))


def _backward_square(rng):
    return rng.normal(size=(4, 4)), rng.normal(size=(4, 4)), rng.normal(size=(4, 4))


def _backward_single(rng):
    return rng.normal(size=(1, 2)), rng.normal(size=(1, 5)), rng.normal(size=(2, 5))


def _backward_zero(rng):
    return np.zeros((3, 4)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))


def _upstream(rng, shape=(4, 5), scale=2.0):
    return rng.normal(size=shape), rng.normal(scale=scale, size=shape)


def _mixed(rng):
    return _upstream(rng)


def _exact_zeros(rng):
    dZ, A = _upstream(rng)
    A[rng.random(A.shape) < 0.4] = 0.0
    return dZ, A


def _all_negative(rng):
    dZ, A = _upstream(rng, (3, 4))
    return dZ, -np.abs(A) - 0.1


def _one_row(rng):
    return _upstream(rng, (1, 6))


def _saturated(rng):
    return _upstream(rng, (3, 5), scale=30.0)


def _mlp_case(sizes, activation, n, scale=1.0):
    def make_args(rng):
        weights, biases = random_network(rng, sizes, scale)
        X = rng.normal(size=(n, sizes[0]))
        y = rng.integers(0, sizes[-1], size=n)
        return X, y, weights, biases, activation

    return make_args


def _numerical_case(sizes, activation, n, layer, h):
    def make_args(rng):
        return (*_mlp_case(sizes, activation, n)(rng), layer, h)

    return make_args


def _close(rng):
    a = rng.normal(size=(3, 4))
    return a, a + 1e-6 * rng.normal(size=(3, 4))


def _equal(rng):
    a = rng.normal(size=6)
    return a, a.copy()


def _both_zero(rng):
    a = rng.normal(size=(2, 3))
    a[0] = 0.0
    b = a + 1e-3 * rng.normal(size=(2, 3))
    b[0] = 0.0
    return a, b


def _opposite(rng):
    a = rng.normal(size=5)
    return a, -a


def _tiny(rng):
    """Entries with |a| + |b| below the floor 1e-8, where it sets the denominator."""
    a = 1e-9 * rng.uniform(1.0, 4.0, size=5)
    b = 1e-9 * rng.uniform(0.0, 1.0, size=5)
    return a, b


def _mixed_sizes(rng):
    a = np.array([1e-3, 2.0, -5.0, 0.1])
    return a, a + np.array([1e-4, 1e-4, -2e-3, 5e-2])


def _xor(rng):
    weights, biases = random_network(rng, [2, 4, 2])
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0]), weights, biases, "tanh", 0.5, 30, 4


def _blobs(rng, n, sizes):
    y = rng.integers(0, sizes[-1], size=n)
    X = rng.normal(scale=2.0, size=(sizes[-1], sizes[0]))[y] + rng.normal(
        size=(n, sizes[0])
    )
    return X, y


def _in_order(rng):
    sizes = [2, 5, 3]
    X, y = _blobs(rng, 10, sizes)
    weights, biases = random_network(rng, sizes)
    return X, y, weights, biases, "relu", 0.2, 5, 4


def _one_epoch(rng):
    sizes = [3, 4, 2]
    X, y = _blobs(rng, 12, sizes)
    weights, biases = random_network(rng, sizes)
    return X, y, weights, biases, "sigmoid", 1.0, 1, 5


def _deeper(rng):
    sizes = [4, 6, 5, 3]
    X, y = _blobs(rng, 9, sizes)
    weights, biases = random_network(rng, sizes)
    return X, y, weights, biases, "tanh", 0.1, 8, 3


# ----------------------------------------------------------------------------------
# Parts
# ----------------------------------------------------------------------------------

_FORWARD = (
    "dense_forward must return A = Z_prev @ W.T + b: one row per sample, one column "
    "per unit (W has shape (n_out, n_in))"
)
_BACKWARD = (
    "dense_backward must return dW = dA.T @ Z_prev (shape of W), db = "
    "dA.sum(axis=0) (the gradients of the samples add up) and dZ_prev = dA @ W"
)
_RELU = (
    "relu_backward must return dZ * relu'(A), where relu'(A) is 1 where A > 0 and 0 "
    "elsewhere (also at A = 0)"
)
_SIGMOID = (
    "sigmoid_backward must return dZ * sigmoid(A) * (1 - sigmoid(A)): the "
    "derivative is taken at the pre-activation A"
)
_TANH = (
    "tanh_backward must return dZ * (1 - tanh(A)**2): the derivative is taken at "
    "the pre-activation A"
)
_BACKPROP = (
    "start from delta = (softmax(A_L) - Y) / n at the output; for each layer, from "
    "the last to the first, dW = delta.T @ Z_prev and db = delta.sum(axis=0), then "
    "delta = (delta @ W) * activation'(A_prev) for the layer below, with the "
    "derivative taken at its pre-activation"
)
_NUMERICAL = (
    "numerical_gradient must move one weight at a time by +h and -h, put it back "
    "afterwards, and return (loss(W + h) - loss(W - h)) / (2 h) for each weight of "
    "weights[layer]"
)
_REL_ERROR = (
    "rel_error must return the largest elementwise |a - b| / max(1e-8, |a| + |b|)"
)
_TRAIN = (
    "for each of the n_epochs epochs, visit the mini-batches X[i:i + batch_size] in "
    "order (the last one may be smaller), compute the gradients of the mean loss on "
    "the batch and step W -= lr * dW and b -= lr * db in every layer"
)
_ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _activation_part(name, reference, message):
    function = f"{name}_backward"
    return Part(
        grade_id=f"{function}_hidden",
        function=function,
        points=1.0,
        cases=(
            Case(
                "mixed signs",
                function,
                _mixed,
                reference,
                allclose(1e-6, 1e-12),
                message,
            ),
            Case(
                "zeros in A",
                function,
                _exact_zeros,
                reference,
                allclose(1e-6, 1e-12),
                message,
            ),
            Case(
                "all negative",
                function,
                _all_negative,
                reference,
                allclose(1e-6, 1e-12),
                message,
            ),
            Case(
                "saturated units",
                function,
                _saturated,
                reference,
                allclose(1e-6, 1e-12),
                f"{message}; it must not return NaN",
            ),
            Case(
                "single sample",
                function,
                _one_row,
                reference,
                allclose(1e-6, 1e-12),
                f"{message}; keep the shape of dZ",
            ),
        ),
    )


PARTS = [
    Part(
        grade_id="dense_forward_hidden",
        function="dense_forward",
        points=1.0,
        cases=(
            Case(
                "batch",
                "dense_forward",
                _forward_batch,
                _dense_forward,
                allclose(),
                _FORWARD,
            ),
            Case(
                "square weights",
                "dense_forward",
                _forward_square,
                _dense_forward,
                allclose(),
                f"{_FORWARD}: multiply by W.T, not W",
            ),
            Case(
                "single sample",
                "dense_forward",
                _forward_single,
                _dense_forward,
                allclose(),
                _FORWARD,
            ),
            Case(
                "one unit",
                "dense_forward",
                _forward_one_unit,
                _dense_forward,
                allclose(),
                _FORWARD,
            ),
        ),
    ),
    Part(
        grade_id="dense_backward_hidden",
        function="dense_backward",
        points=2.0,
        cases=(
            Case(
                "batch",
                "dense_backward",
                _backward_batch,
                _dense_backward,
                allclose(),
                _BACKWARD,
            ),
            Case(
                "square shapes",
                "dense_backward",
                _backward_square,
                _dense_backward,
                allclose(),
                f"{_BACKWARD}; with square shapes a missing or extra transpose "
                f"does not change the shape, only the values",
            ),
            Case(
                "single sample",
                "dense_backward",
                _backward_single,
                _dense_backward,
                allclose(),
                _BACKWARD,
            ),
            Case(
                "zero upstream gradient",
                "dense_backward",
                _backward_zero,
                _dense_backward,
                allclose(),
                f"{_BACKWARD}: a zero upstream gradient gives zero gradients",
            ),
        ),
    ),
    _activation_part("relu", _relu_backward, _RELU),
    _activation_part("sigmoid", _sigmoid_backward, _SIGMOID),
    _activation_part("tanh", _tanh_backward, _TANH),
    Part(
        grade_id="mlp_backward_hidden",
        function="mlp_backward",
        points=4.0,
        cases=(
            Case(
                "one hidden layer",
                "mlp_backward",
                _mlp_case([3, 5, 4], "tanh", 6),
                mlp_gradients,
                allclose(1e-6, 1e-10),
                _BACKPROP,
            ),
            Case(
                "two hidden layers",
                "mlp_backward",
                _mlp_case([4, 6, 5, 3], "relu", 8),
                mlp_gradients,
                allclose(1e-6, 1e-10),
                _BACKPROP,
            ),
            Case(
                "sigmoid units",
                "mlp_backward",
                _mlp_case([2, 4, 3, 2], "sigmoid", 5),
                mlp_gradients,
                allclose(1e-6, 1e-10),
                _BACKPROP,
            ),
            Case(
                "single sample",
                "mlp_backward",
                _mlp_case([3, 4, 3], "relu", 1),
                mlp_gradients,
                allclose(1e-6, 1e-10),
                f"{_BACKPROP}; it must work for n = 1",
            ),
            Case(
                "no hidden layer",
                "mlp_backward",
                _mlp_case([5, 3], "relu", 4),
                mlp_gradients,
                allclose(1e-6, 1e-10),
                f"{_BACKPROP}; with a single layer (no hidden layer) the loop "
                f"runs once and no activation is used",
            ),
            Case(
                "large logits",
                "mlp_backward",
                _mlp_case([3, 4, 3], "tanh", 6, scale=300.0),
                mlp_gradients,
                allclose(1e-6, 1e-10),
                f"{_BACKPROP}; use the stable softmax and log-softmax of the "
                f"notebook so that large logits give a finite loss",
            ),
        ),
    ),
    Part(
        grade_id="rel_error_hidden",
        function="rel_error",
        points=1.0,
        cases=(
            Case(
                "close arrays",
                "rel_error",
                _close,
                rel_error,
                scalar_close(),
                _REL_ERROR,
            ),
            Case(
                "equal arrays",
                "rel_error",
                _equal,
                rel_error,
                scalar_close(),
                f"{_REL_ERROR}: 0 for equal arrays",
            ),
            Case(
                "zero gradients",
                "rel_error",
                _both_zero,
                rel_error,
                scalar_close(),
                f"{_REL_ERROR}: the floor 1e-8 keeps 0 / 0 away when both "
                f"gradients are 0",
            ),
            Case(
                "opposite signs",
                "rel_error",
                _opposite,
                rel_error,
                scalar_close(),
                f"{_REL_ERROR}: add the absolute values",
            ),
            Case(
                "different sizes",
                "rel_error",
                _mixed_sizes,
                rel_error,
                scalar_close(),
                f"{_REL_ERROR}: the largest over the entries, not the mean",
            ),
            Case(
                "tiny gradients",
                "rel_error",
                _tiny,
                rel_error,
                scalar_close(),
                f"{_REL_ERROR}: where |a| + |b| is below 1e-8 the denominator is the "
                f"floor 1e-8 itself",
            ),
        ),
    ),
    Part(
        grade_id="numerical_gradient_hidden",
        function="numerical_gradient",
        points=2.0,
        cases=(
            Case(
                "first layer",
                "numerical_gradient",
                _numerical_case([2, 3, 2], "tanh", 4, 0, 1e-4),
                _numerical_gradient,
                allclose(1e-6, 1e-8),
                _NUMERICAL,
            ),
            Case(
                "last layer",
                "numerical_gradient",
                _numerical_case([3, 4, 3], "sigmoid", 5, 1, 1e-4),
                _numerical_gradient,
                allclose(1e-6, 1e-8),
                _NUMERICAL,
            ),
            Case(
                "middle layer",
                "numerical_gradient",
                _numerical_case([2, 3, 3, 2], "relu", 6, 1, 1e-3),
                _numerical_gradient,
                allclose(1e-6, 1e-8),
                f"{_NUMERICAL}; only weights[layer] moves",
            ),
        ),
    ),
    Part(
        grade_id="train_mlp_hidden",
        function="train_mlp",
        points=3.0,
        cases=(
            Case(
                "XOR, full batch",
                "train_mlp",
                _xor,
                _train_mlp,
                allclose(1e-5, 1e-8),
                _TRAIN,
            ),
            Case(
                "mini-batches in order",
                "train_mlp",
                _in_order,
                _train_mlp,
                allclose(1e-5, 1e-8),
                f"{_TRAIN}; here 10 samples in batches of 4 give batches of 4, 4 and 2",
            ),
            Case(
                "one epoch",
                "train_mlp",
                _one_epoch,
                _train_mlp,
                allclose(1e-5, 1e-8),
                _TRAIN,
            ),
            Case(
                "two hidden layers",
                "train_mlp",
                _deeper,
                _train_mlp,
                allclose(1e-5, 1e-8),
                _TRAIN,
            ),
        ),
    ),
]
