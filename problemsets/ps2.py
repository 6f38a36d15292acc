"""ps2, logistic regression and gradient descent: hidden cases for ``solutions/ps2``.

Graded functions: ``sigmoid`` and ``sigmoid_derivative``, the mean negative
log-likelihood ``logistic_loss`` of a logistic model and its gradient
``logistic_gradient``, and ``fit_logistic_regression``, which trains the model with
the student's ``gradient_descent`` and its stopping rule
:math:`|f(x_{t+k}) - f(x_t)| < \\epsilon`. The learning-rate experiment is a written
answer, graded by hand in formgrader.

Derivatives are compared with an absolute tolerance of ``1e-12`` as well as a
relative one: ``s * (1 - s)`` (the formula of the lectures) loses relative precision
in the tails of the sigmoid, where its absolute error stays below ``1e-16``.

The release promises a loss without NaN for a confident model (its tip on
``np.logaddexp``): two loss cases have scores beyond the saturation of the sigmoid
in float64, where ``sigmoid(z)`` is exactly 0 or 1 and the formula taken literally
gives NaN or infinity. The convergence flag of ``fit_logistic_regression`` must be
a bool (``same_kind=True``).
"""

from __future__ import annotations

import numpy as np

from course.activations import sigmoid, sigmoid_derivative
from course.linear import LinearObjective, LogisticRegression
from course.losses import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
)
from grader.cases import Case, Part, allclose, scalar_close

# ----------------------------------------------------------------------------------
# The course's logistic regression, as functions of (w, b)
# ----------------------------------------------------------------------------------


def _objective(X, y) -> LinearObjective:
    return LinearObjective(
        X,
        y,
        binary_cross_entropy_with_logits,
        binary_cross_entropy_with_logits_gradient,
    )


def _loss(w, b, X, y):
    return _objective(X, y).value(np.append(w, b))


def _gradient(w, b, X, y):
    grad = _objective(X, y).gradient(np.append(w, b))
    return grad[:-1], grad[-1]


def _fit(X, y, lr, eps, k, max_steps):
    model = LogisticRegression(lr=lr, max_steps=max_steps, eps=eps, k=k).fit(X, y)
    return model.coef_, model.intercept_, model.loss_history_, model.converged_


# ----------------------------------------------------------------------------------
# Hidden inputs
# ----------------------------------------------------------------------------------


def _vector(rng):
    return (rng.normal(scale=3.0, size=9),)


def _matrix(rng):
    return (rng.normal(scale=3.0, size=(4, 5)),)


def _large(rng):
    z = rng.uniform(20, 700, size=6) * rng.choice([-1.0, 1.0], size=6)
    return (rng.permutation(np.concatenate([[-1000.0, -50.0, 50.0, 1000.0], z])),)


def _zero(rng):
    return (np.float64(0.0),)


def _python_float(rng):
    return (float(rng.normal(scale=3.0)),)


def _large_derivative(rng):
    z = rng.uniform(20, 700, size=6) * rng.choice([-1.0, 1.0], size=6)
    return (rng.permutation(np.concatenate([[-800.0, -30.0, 30.0, 800.0], z])),)


def _model(rng, n, d, scale=1.0):
    X = rng.normal(size=(n, d))
    w, b = rng.normal(scale=scale, size=d), float(rng.normal(scale=scale))
    y = rng.integers(0, 2, size=n)
    return w, b, X, y


def _scored(rng, z, d=3):
    """``w, b, X`` with the scores ``X @ w + b`` equal to ``z`` (up to rounding)."""
    w, b = rng.normal(size=d), float(rng.normal())
    X = rng.normal(size=(len(z), d))
    X += ((z - X @ w - b) / (w @ w))[:, None] * w
    return w, b, X


def _beyond_saturation(rng):
    """Right and sure. In float64, sigmoid(z) is exactly 1 for z above about 36.8 and
    exactly 0 for z below about -745.2 (below about -709.8 when computed as
    1 / (1 + exp(-z)), where exp(-z) overflows): scores of 40 to 60 and of 750 to 900,
    of both signs, saturate it however it is computed."""
    moderate, huge = rng.uniform(40, 60, 6), rng.uniform(750, 900, 6)
    z = np.concatenate([moderate[:3], huge[:3], -moderate[3:], -huge[3:]])
    y = (z > 0).astype(np.int64)
    order = rng.permutation(len(z))
    w, b, X = _scored(rng, z[order])
    return w, b, X, y[order]


def _confident_mistakes(rng):
    """Saturated scores of both signs, two of them on the wrong side."""
    z = np.concatenate([rng.uniform(40, 60, 4), -rng.uniform(40, 60, 4)])
    y = (z > 0).astype(np.int64)
    y[[0, 4]] = 1 - y[[0, 4]]
    order = rng.permutation(len(z))
    w, b, X = _scored(rng, z[order])
    return w, b, X, y[order]


def _random(rng):
    return _model(rng, 20, 3)


def _single(rng):
    return _model(rng, 1, 4)


def _zero_weights(rng):
    _, _, X, y = _model(rng, 15, 2)
    return np.zeros(2), 0.0, X, y


def _confident(rng):
    w, b, X, _ = _model(rng, 25, 3, scale=3.0)
    y = (X @ w + b > 0).astype(np.int64)
    return w, b, X, y


def _balanced(rng):
    """Every point twice, once with each label: at w = 0, b = 0 the gradient is 0."""
    X = rng.normal(size=(6, 3))
    return np.zeros(3), 0.0, np.vstack([X, X]), np.repeat([0, 1], 6)


def _saturated(rng):
    w, b, X, y = _model(rng, 12, 2)
    return 20.0 * w, 20.0 * b, X, y


def _blobs(rng, n, d):
    y = rng.permutation(np.arange(n) % 2)
    X = rng.normal(size=(n, d)) + np.where(y[:, None] == 1, 1.0, -1.0)
    return X, y


def _overlapping(rng):
    X, y = _blobs(rng, 40, 2)
    return X, y, 0.5, 1e-6, 1, 1000


def _look_back(rng):
    X, y = _blobs(rng, 30, 3)
    return X, y, 0.3, 1e-4, 5, 1000


def _budget(rng):
    X, y = _blobs(rng, 30, 2)
    return X, y, 0.1, 1e-12, 1, 15


def _one_feature(rng):
    X, y = _blobs(rng, 24, 1)
    return X, y, 1.0, 1e-7, 2, 500


# ----------------------------------------------------------------------------------
# Parts
# ----------------------------------------------------------------------------------

_SIGMOID = "sigmoid must return 1 / (1 + exp(-z)), elementwise, for any shape"
_DERIVATIVE = (
    "the derivative of the sigmoid at z is sigmoid(z) * (1 - sigmoid(z)): evaluate "
    "the sigmoid at z first, then use the formula"
)
_LOSS = (
    "the loss is the mean over the samples of -[y log(y_hat) + (1 - y) log(1 - "
    "y_hat)], with y_hat = sigmoid(X @ w + b)"
)
_GRADIENT = (
    "the gradient of the mean loss is dw = X.T @ (y_hat - y) / n and db = "
    "mean(y_hat - y), with y_hat = sigmoid(X @ w + b)"
)
_FIT = (
    "start from w = 0 and b = 0, step x <- x - lr * gradient, record the loss before "
    "the first step and after every step, and stop at the first step t + k with "
    "|f(x_(t+k)) - f(x_t)| < eps (converged) or after max_steps steps"
)
_TOLERANCE = {"rtol": 1e-6, "atol": 1e-12}

PARTS = [
    Part(
        grade_id="sigmoid_hidden",
        function="sigmoid",
        points=1.0,
        cases=(
            Case(
                "vector", "sigmoid", _vector, sigmoid, allclose(**_TOLERANCE), _SIGMOID
            ),
            Case(
                "matrix",
                "sigmoid",
                _matrix,
                sigmoid,
                allclose(**_TOLERANCE),
                f"{_SIGMOID}: keep the shape of z",
            ),
            Case(
                "large inputs",
                "sigmoid",
                _large,
                sigmoid,
                allclose(**_TOLERANCE),
                "sigmoid must give 0 for very negative z and 1 for very positive z "
                "without NaN: exp(1000) is inf, and inf / inf is NaN",
            ),
            Case(
                "zero",
                "sigmoid",
                _zero,
                sigmoid,
                allclose(**_TOLERANCE),
                "sigmoid(0) is 1/2",
            ),
            Case(
                "a Python float",
                "sigmoid",
                _python_float,
                sigmoid,
                allclose(**_TOLERANCE),
                f"{_SIGMOID}; it must also work on a single Python number (a float "
                f"has no shape and cannot be indexed: np.asarray(z) makes it an "
                f"array)",
            ),
        ),
    ),
    Part(
        grade_id="sigmoid_derivative_hidden",
        function="sigmoid_derivative",
        points=1.0,
        cases=(
            Case(
                "vector",
                "sigmoid_derivative",
                _vector,
                sigmoid_derivative,
                allclose(**_TOLERANCE),
                _DERIVATIVE,
            ),
            Case(
                "matrix",
                "sigmoid_derivative",
                _matrix,
                sigmoid_derivative,
                allclose(**_TOLERANCE),
                f"{_DERIVATIVE}; keep the shape of z",
            ),
            Case(
                "large inputs",
                "sigmoid_derivative",
                _large_derivative,
                sigmoid_derivative,
                allclose(**_TOLERANCE),
                "the derivative must tend to 0 without NaN for large |z|: compute "
                "it from sigmoid(z) as sigmoid(z) * (1 - sigmoid(z))",
            ),
            Case(
                "zero",
                "sigmoid_derivative",
                _zero,
                sigmoid_derivative,
                allclose(**_TOLERANCE),
                "the derivative of the sigmoid at 0 is 1/4",
            ),
            Case(
                "a Python float",
                "sigmoid_derivative",
                _python_float,
                sigmoid_derivative,
                allclose(**_TOLERANCE),
                f"{_DERIVATIVE}; it must also work on a single Python number (a "
                f"float has no numpy methods: np.asarray(z) makes it an array)",
            ),
        ),
    ),
    Part(
        grade_id="logistic_loss_hidden",
        function="logistic_loss",
        points=2.0,
        cases=(
            Case(
                "random model",
                "logistic_loss",
                _random,
                _loss,
                scalar_close(1e-6, 1e-10),
                _LOSS,
            ),
            Case(
                "single sample",
                "logistic_loss",
                _single,
                _loss,
                scalar_close(1e-6, 1e-10),
                f"{_LOSS}; it must work for n = 1",
            ),
            Case(
                "zero weights",
                "logistic_loss",
                _zero_weights,
                _loss,
                scalar_close(1e-6, 1e-10),
                f"{_LOSS}: with w = 0 and b = 0 every y_hat is 1/2",
            ),
            Case(
                "confident model",
                "logistic_loss",
                _confident,
                _loss,
                scalar_close(1e-6, 1e-10),
                f"{_LOSS}; a confident right model has a small positive loss",
            ),
            Case(
                "saturated sigmoid",
                "logistic_loss",
                _beyond_saturation,
                _loss,
                scalar_close(1e-6, 1e-10),
                f"{_LOSS}; here the scores are so large that y_hat is exactly 0 or 1 "
                f"in floating point, where log(y_hat) or log(1 - y_hat) is -inf (and "
                f"0 * -inf is NaN): compute -log(y_hat) as np.logaddexp(0, -z) and "
                f"-log(1 - y_hat) as np.logaddexp(0, z) from the scores z",
            ),
            Case(
                "confident mistakes",
                "logistic_loss",
                _confident_mistakes,
                _loss,
                scalar_close(1e-6, 1e-10),
                f"{_LOSS}; a confident wrong prediction has a large but finite "
                f"loss: compute both terms from the scores z with np.logaddexp, "
                f"since clipping y_hat away from 0 and 1 changes the loss",
            ),
        ),
    ),
    Part(
        grade_id="logistic_gradient_hidden",
        function="logistic_gradient",
        points=2.0,
        cases=(
            Case(
                "random model",
                "logistic_gradient",
                _random,
                _gradient,
                allclose(1e-6, 1e-12),
                _GRADIENT,
            ),
            Case(
                "single sample",
                "logistic_gradient",
                _single,
                _gradient,
                allclose(1e-6, 1e-12),
                f"{_GRADIENT}; it must work for n = 1",
            ),
            Case(
                "zero gradient",
                "logistic_gradient",
                _balanced,
                _gradient,
                allclose(1e-6, 1e-12),
                f"{_GRADIENT}: here every point comes with both labels, so the "
                f"gradient is 0",
            ),
            Case(
                "saturated sigmoid",
                "logistic_gradient",
                _saturated,
                _gradient,
                allclose(1e-6, 1e-12),
                f"{_GRADIENT}; y_hat - y is the whole error signal (no extra "
                f"sigmoid derivative), so it does not vanish when the sigmoid "
                f"saturates",
            ),
        ),
    ),
    Part(
        grade_id="fit_logistic_regression_hidden",
        function="fit_logistic_regression",
        points=3.0,
        cases=(
            Case(
                "overlapping classes",
                "fit_logistic_regression",
                _overlapping,
                _fit,
                allclose(1e-5, 1e-9, same_kind=True),
                _FIT,
            ),
            Case(
                "look-back k = 5",
                "fit_logistic_regression",
                _look_back,
                _fit,
                allclose(1e-5, 1e-9, same_kind=True),
                f"{_FIT}: with k = 5 compare the loss with the one 5 steps earlier",
            ),
            Case(
                "step budget",
                "fit_logistic_regression",
                _budget,
                _fit,
                allclose(1e-5, 1e-9, same_kind=True),
                f"{_FIT}; after max_steps steps the losses hold max_steps + 1 "
                f"values and converged is False",
            ),
            Case(
                "one feature",
                "fit_logistic_regression",
                _one_feature,
                _fit,
                allclose(1e-5, 1e-9, same_kind=True),
                _FIT,
            ),
        ),
    ),
]
