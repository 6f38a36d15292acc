"""ps3, softmax: hidden cases for the source notebook ``solutions/ps3``.

Graded functions: a numerically stable ``softmax``, ``one_hot``, the mean
``cross_entropy`` of integer labels and logits, its gradient with respect to the
logits ``cross_entropy_gradient`` (``(softmax(z) - Y) / n``), and
``fit_softmax_regression``, full-batch gradient descent from zero weights with the
stopping rule :math:`|L_{t+1} - L_t| < \\epsilon` (the notebook then trains it on
MNIST).
"""

from __future__ import annotations

import numpy as np

from course.activations import softmax
from course.linear import SoftmaxRegression
from course.losses import cross_entropy, cross_entropy_gradient, one_hot
from grader.cases import Case, Part, allclose, array_equal, scalar_close


def _fit(X, y, n_classes, lr, eps, max_steps):
    model = SoftmaxRegression(
        lr=lr, max_steps=max_steps, eps=eps, k=1, n_classes=n_classes
    ).fit(X, y)
    return model.coef_, model.intercept_, model.loss_history_


def _fit_without_stopping(X, y, n_classes, lr, eps, max_steps):
    """The reference for eps = 0, which the course refuses: no change is below 0, so
    the loop takes all max_steps steps (a look-back k beyond the budget never fires)."""
    assert eps == 0.0
    model = SoftmaxRegression(
        lr=lr, max_steps=max_steps, eps=1.0, k=max_steps + 1, n_classes=n_classes
    ).fit(X, y)
    return model.coef_, model.intercept_, model.loss_history_


# ----------------------------------------------------------------------------------
# Hidden inputs
# ----------------------------------------------------------------------------------


def _vector(rng):
    return (rng.normal(scale=2.0, size=5),)


def _batch(rng):
    return (rng.normal(scale=2.0, size=(6, 4)),)


def _square(rng):
    return (rng.normal(scale=2.0, size=(5, 5)),)


def _large(rng):
    return (rng.normal(scale=1e4, size=(3, 4)),)


def _far_apart(rng):
    offsets = np.array([-6e3, 0.0, 3e3, 8e3])
    return (rng.normal(size=(4, 6)) + offsets[:, None],)


def _one_row(rng):
    return (rng.normal(scale=2.0, size=(1, 7)),)


def _labels(rng):
    return rng.integers(0, 4, size=8), 4


def _unused_class(rng):
    return rng.integers(0, 4, size=10), 6


def _one_label(rng):
    return np.array([2]), 3


def _ten(rng):
    return rng.permutation(np.arange(10)), 10


def _scores(rng, n, k, scale=2.0):
    return rng.integers(0, k, size=n), rng.normal(scale=scale, size=(n, k))


def _ce_batch(rng):
    return _scores(rng, 8, 4)


def _ce_single(rng):
    return _scores(rng, 1, 5)


def _ce_large(rng):
    return _scores(rng, 6, 4, scale=1e3)


def _confident(rng):
    y, z = _scores(rng, 7, 3, scale=0.5)
    z[np.arange(7), y] += 20.0
    return y, z


def _uniform(rng):
    return rng.integers(0, 5, size=4), np.full((4, 5), 3.0)


def _perfect(rng):
    y = rng.integers(0, 4, size=5)
    z = np.zeros((5, 4))
    z[np.arange(5), y] = 40.0  # softmax is one-hot up to exp(-40)
    return y, z


def _blobs(rng, n, d, n_classes, n_labels=None):
    n_labels = n_labels or n_classes
    y = rng.permutation(np.arange(n) % n_labels)
    centres = rng.normal(scale=2.0, size=(n_labels, d))
    return centres[y] + rng.normal(size=(n, d)), y


def _three_blobs(rng):
    X, y = _blobs(rng, 45, 2, 3)
    return X, y, 3, 0.5, 1e-5, 1000


def _fit_unused(rng):
    X, y = _blobs(rng, 30, 3, 4, n_labels=3)
    return X, y, 4, 0.5, 1e-4, 1000


def _fit_budget(rng):
    X, y = _blobs(rng, 40, 4, 3)
    return X, y, 3, 0.2, 1e-12, 20


def _fit_flat(rng):
    """Zero features and balanced labels: nothing moves, every loss is exactly log 2."""
    y = rng.permutation(np.repeat([0, 1], 3))
    return np.zeros((6, 3)), y, 2, 0.5, 0.0, 5


def _fit_wide(rng):
    X, y = _blobs(rng, 30, 10, 5)
    return X, y, 5, 0.3, 1e-4, 1000


# ----------------------------------------------------------------------------------
# Parts
# ----------------------------------------------------------------------------------

_SOFTMAX = (
    "softmax must return exp(z) / sum(exp(z)) along the last axis: positive "
    "entries that sum to 1 in each row"
)
_ONE_HOT = (
    "one_hot must return an array of shape (n_samples, n_classes) with a 1 in "
    "column y[i] of row i and 0 elsewhere"
)
_CE = (
    "cross_entropy is the mean over the samples of -log softmax(z_i)[y_i], the "
    "log-probability of the true class"
)
_CE_GRADIENT = (
    "the gradient of the mean cross-entropy with respect to the logits is "
    "(softmax(z) - Y) / n, with Y the one-hot labels"
)
_FIT = (
    "start from W = 0 and b = 0, take full-batch steps W -= lr * dW and b -= lr * "
    "db with dW = G.T @ X and db = G.sum(axis=0), G = (softmax(Z) - Y) / n, record "
    "the loss before the first step and after each one, and stop when two "
    "consecutive losses differ by less than eps or after max_steps steps"
)
_CLOSE = {"rtol": 1e-6, "atol": 1e-12}

PARTS = [
    Part(
        grade_id="softmax_hidden",
        function="softmax",
        points=2.0,
        cases=(
            Case(
                "single vector",
                "softmax",
                _vector,
                softmax,
                allclose(**_CLOSE),
                _SOFTMAX,
            ),
            Case(
                "batch of rows",
                "softmax",
                _batch,
                softmax,
                allclose(**_CLOSE),
                f"{_SOFTMAX}; for a batch (n_samples, K) normalise each row, "
                f"along axis=-1",
            ),
            Case(
                "square batch",
                "softmax",
                _square,
                softmax,
                allclose(**_CLOSE),
                "for a batch (n_samples, K) reduce along the last axis with "
                "keepdims=True so that each row is divided by its own sum",
            ),
            Case(
                "large logits",
                "softmax",
                _large,
                softmax,
                allclose(**_CLOSE),
                "softmax overflows for large inputs: subtract the maximum of each "
                "row first (axis=-1, keepdims=True)",
            ),
            Case(
                "rows far apart",
                "softmax",
                _far_apart,
                softmax,
                allclose(**_CLOSE),
                "subtract the maximum of each row (axis=-1, keepdims=True), not "
                "the maximum of the whole array: rows far below it underflow to "
                "0 / 0",
            ),
            Case(
                "single row",
                "softmax",
                _one_row,
                softmax,
                allclose(**_CLOSE),
                "softmax must also work for one row, of shape (1, K)",
            ),
        ),
    ),
    Part(
        grade_id="one_hot_hidden",
        function="one_hot",
        points=1.0,
        cases=(
            Case("labels", "one_hot", _labels, one_hot, array_equal(), _ONE_HOT),
            Case(
                "a class without samples",
                "one_hot",
                _unused_class,
                one_hot,
                array_equal(),
                f"{_ONE_HOT}: use n_classes, since some classes may have no sample",
            ),
            Case(
                "single label", "one_hot", _one_label, one_hot, array_equal(), _ONE_HOT
            ),
            Case("ten classes", "one_hot", _ten, one_hot, array_equal(), _ONE_HOT),
        ),
    ),
    Part(
        grade_id="cross_entropy_hidden",
        function="cross_entropy",
        points=2.0,
        cases=(
            Case(
                "batch",
                "cross_entropy",
                _ce_batch,
                cross_entropy,
                scalar_close(**_CLOSE),
                _CE,
            ),
            Case(
                "single sample",
                "cross_entropy",
                _ce_single,
                cross_entropy,
                scalar_close(**_CLOSE),
                f"{_CE}; it must work for n = 1",
            ),
            Case(
                "uniform logits",
                "cross_entropy",
                _uniform,
                cross_entropy,
                scalar_close(**_CLOSE),
                f"{_CE}: equal logits give log(K) for every sample",
            ),
            Case(
                "confident and right",
                "cross_entropy",
                _confident,
                cross_entropy,
                scalar_close(**_CLOSE),
                f"{_CE}; a confident right prediction costs almost nothing",
            ),
            Case(
                "large logits",
                "cross_entropy",
                _ce_large,
                cross_entropy,
                scalar_close(**_CLOSE),
                "cross_entropy must stay finite for large logits: compute log "
                "softmax as z - max - log(sum(exp(z - max))) instead of "
                "log(softmax(z)), which takes log(0)",
            ),
        ),
    ),
    Part(
        grade_id="cross_entropy_gradient_hidden",
        function="cross_entropy_gradient",
        points=2.0,
        cases=(
            Case(
                "batch",
                "cross_entropy_gradient",
                _ce_batch,
                cross_entropy_gradient,
                allclose(**_CLOSE),
                _CE_GRADIENT,
            ),
            Case(
                "single sample",
                "cross_entropy_gradient",
                _ce_single,
                cross_entropy_gradient,
                allclose(**_CLOSE),
                f"{_CE_GRADIENT}; it must work for n = 1",
            ),
            Case(
                "large logits",
                "cross_entropy_gradient",
                _ce_large,
                cross_entropy_gradient,
                allclose(**_CLOSE),
                f"{_CE_GRADIENT}; softmax overflows for large logits: subtract "
                f"the maximum first",
            ),
            Case(
                "zero gradient",
                "cross_entropy_gradient",
                _perfect,
                cross_entropy_gradient,
                allclose(**_CLOSE),
                f"{_CE_GRADIENT}: a certain right prediction gives a zero gradient",
            ),
        ),
    ),
    Part(
        grade_id="fit_softmax_regression_hidden",
        function="fit_softmax_regression",
        points=3.0,
        cases=(
            Case(
                "three classes",
                "fit_softmax_regression",
                _three_blobs,
                _fit,
                allclose(1e-5, 1e-9),
                f"{_FIT}; W has shape (n_classes, n_features)",
            ),
            Case(
                "a class without samples",
                "fit_softmax_regression",
                _fit_unused,
                _fit,
                allclose(1e-5, 1e-9),
                f"{_FIT}; W and b have n_classes rows, also for a class with no sample",
            ),
            Case(
                "step budget",
                "fit_softmax_regression",
                _fit_budget,
                _fit,
                allclose(1e-5, 1e-9),
                f"{_FIT}; after max_steps steps the losses hold max_steps + 1 values",
            ),
            Case(
                "eps = 0 and a loss that does not change",
                "fit_softmax_regression",
                _fit_flat,
                _fit_without_stopping,
                allclose(1e-5, 1e-9),
                f"{_FIT}; the rule is strict (less than eps): with eps = 0 it never "
                f"stops early, even when two losses are equal",
            ),
            Case(
                "ten features",
                "fit_softmax_regression",
                _fit_wide,
                _fit,
                allclose(1e-5, 1e-9),
                _FIT,
            ),
        ),
    ),
]
