"""Loss functions, their gradients, and the helpers they need.

Conventions shared by every function here:

- The argument order is always ``(y, prediction)``: targets first, then what
  the model produced (``y_hat`` for probabilities or values, ``z`` for scores
  before softmax or sigmoid, also called logits).
- A loss is the **mean over samples** of a per-sample loss, and is returned as
  a Python float. The first axis indexes samples; per-sample losses sum over
  the remaining axes (the outputs or classes), so for a 1-D array the loss is a
  plain mean.
- ``<loss>_gradient(y, prediction)`` is the gradient of that mean with respect
  to the *prediction*, an array of the prediction's shape and floating dtype
  (float32 in, float32 out). The targets are converted to that dtype.
- Inputs must be finite and non-empty; shapes must match exactly (no
  broadcasting, which would silently turn ``(n,)`` against ``(n, 1)`` into an
  ``(n, n)`` loss).

Classification targets ``y`` for :func:`cross_entropy` and
:func:`cross_entropy_from_probs` are either integer labels of shape
``(n_samples,)``, or probability rows of shape ``(n_samples, K)`` (one-hot or
soft). A single sample may be given as scores of shape ``(K,)`` with a scalar
label or a probability vector of shape ``(K,)``, as in the lecture examples.
"""

from __future__ import annotations

import numpy as np

from course._validation import (
    as_nonempty_float_array,
    check_axis,
    check_labels,
    check_positive,
)
from course.activations import _ignore_underflow, sigmoid, softmax

__all__ = [
    "softmax",
    "log_softmax",
    "one_hot",
    "mse",
    "mse_gradient",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_gradient",
    "cross_entropy",
    "cross_entropy_gradient",
    "cross_entropy_from_probs",
    "cross_entropy_from_probs_gradient",
    "entropy",
    "kl_divergence",
    "kl_divergence_gradient",
    "zero_one_loss",
]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _n_samples(a: np.ndarray) -> int:
    """Number of samples: the length of the first axis (1 for a 0-d array)."""
    return a.shape[0] if a.ndim else 1


def _same_shape_pair(y, prediction, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate targets and predictions of one shape; ``y`` takes their dtype."""
    prediction = as_nonempty_float_array(prediction, name)
    y = as_nonempty_float_array(y, "y", dtype=prediction.dtype)
    if y.shape != prediction.shape:
        raise ValueError(
            f"y and {name} must have the same shape, but got {y.shape} and "
            f"{prediction.shape}."
        )
    return y, prediction


def _check_probabilities(a: np.ndarray, name: str, *, rows_sum_to_one: bool) -> None:
    """Check entries in [0, 1] and, optionally, rows (last axis) summing to 1."""
    lo, hi = float(a.min()), float(a.max())
    if lo < 0 or hi > 1:
        raise ValueError(
            f"{name} must contain probabilities in [0, 1], but got values in "
            f"[{lo:.4g}, {hi:.4g}]."
        )
    if rows_sum_to_one:
        sums = np.sum(a, axis=-1, dtype=np.float64).reshape(-1)
        tol = float(np.sqrt(np.finfo(a.dtype).eps))
        bad = np.flatnonzero(np.abs(sums - 1) > tol)
        if bad.size:
            raise ValueError(
                f"each row of {name} must sum to 1 (a probability distribution), "
                f"but row {bad[0]} sums to {sums[bad[0]]:.6g}."
            )


def _clip_probabilities(p: np.ndarray) -> np.ndarray:
    """Clip to ``[eps, 1 - eps]`` (machine epsilon of the dtype) so logs are finite.

    With float64 the largest possible per-sample loss is then about 36
    (``-log(2.2e-16)``), with float32 about 16.
    """
    eps = float(np.finfo(p.dtype).eps)
    return np.clip(p, eps, 1 - eps)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)`` with the convention ``0 * log(0) = 0`` (for ``x >= 0``)."""
    log_y = np.log(y, out=np.zeros_like(y), where=x > 0)
    return x * log_y


def _class_targets(y, prediction, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Targets and predictions for K-class losses, both as (n_samples, K).

    ``y`` may be labels (n,) or probability rows (n, K); a single sample may be
    ``prediction`` of shape (K,) with a scalar label or a (K,) distribution.
    The caller reshapes gradients back with ``reshape(prediction.shape)``.
    """
    prediction = as_nonempty_float_array(prediction, name)
    if prediction.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be a 1-D array of shape (K,) for one sample or a 2-D "
            f"array of shape (n_samples, K), but got shape {prediction.shape}."
        )
    P = prediction.reshape(1, -1) if prediction.ndim == 1 else prediction
    n, K = P.shape
    y_arr = np.asarray(y)
    if prediction.ndim == 1 and y_arr.ndim == 0:
        y_arr = y_arr.reshape(1)
    elif prediction.ndim == 1 and y_arr.shape == (K,) and K > 1:
        y_arr = y_arr.reshape(1, K)
    if y_arr.ndim == 1:
        if y_arr.shape[0] != n:
            raise ValueError(
                f"y must have one label per sample, but got {y_arr.shape[0]} "
                f"labels for {n} samples in {name}."
            )
        Y = one_hot(y_arr, K, dtype=P.dtype)
    elif y_arr.ndim == 2:
        Y = as_nonempty_float_array(y_arr, "y", dtype=P.dtype)
        if Y.shape != P.shape:
            raise ValueError(
                f"y given as probability rows must have the shape of {name}, "
                f"{P.shape}, but got shape {Y.shape}."
            )
        _check_probabilities(Y, "y", rows_sum_to_one=True)
    else:
        raise ValueError(
            "y must be integer labels of shape (n_samples,) or probability rows "
            f"of shape (n_samples, K), but got shape {y_arr.shape}."
        )
    return Y, P


# --------------------------------------------------------------------------
# softmax family and one-hot encoding
# --------------------------------------------------------------------------


@_ignore_underflow
def log_softmax(z, axis: int = -1) -> np.ndarray:
    """Logarithm of :func:`softmax`, computed without taking ``log(0)``.

    .. math:: \\log \\hat y_j = (z_j - m) - \\log \\sum_k e^{z_k - m},
              \\qquad m = \\max_k z_k

    Every result is finite, even when ``softmax`` itself rounds to 0 (scores of
    ``[0, 1e4]`` give ``[-1e4, 0]``).

    Parameters
    ----------
    z : array_like of shape (K,) or (n_samples, K), or any shape
    axis : int, default=-1
        The class axis.

    Returns
    -------
    ndarray of the shape and floating dtype of ``z``
    """
    z = as_nonempty_float_array(z, "z")
    axis = check_axis(axis, z.shape, "z")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def one_hot(y, n_classes: int, *, dtype=np.float64) -> np.ndarray:
    """One-hot encode integer labels.

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
        Labels in ``[0, n_classes - 1]``.
    n_classes : int
        Number of classes ``K``.
    dtype : floating dtype, default=np.float64

    Returns
    -------
    Y : ndarray of shape (n_samples, n_classes)
        ``Y[i, y[i]] = 1``, every other entry 0.

    Raises
    ------
    ValueError
        If a label is outside ``[0, n_classes - 1]`` (the message gives the
        range received) or ``y`` is not 1-D.

    Examples
    --------
    >>> from course.losses import one_hot
    >>> one_hot([1, 0], 3)
    array([[0., 1., 0.],
           [1., 0., 0.]])
    """
    check_positive(n_classes, "n_classes", integer=True)
    labels = check_labels(y, n_classes=n_classes)
    Y = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    Y[np.arange(labels.shape[0]), labels] = 1
    return Y


# --------------------------------------------------------------------------
# regression
# --------------------------------------------------------------------------


def mse(y, y_hat) -> float:
    """Mean squared error.

    .. math:: L = \\frac1n \\sum_{i=1}^n \\lVert y_i - \\hat y_i \\rVert_2^2

    The squared error of a sample sums over its outputs (for ``(n, K)`` arrays);
    for 1-D arrays this is the familiar mean of squares.

    Parameters
    ----------
    y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    y_hat : array_like of the same shape
        Predictions.

    Returns
    -------
    float
    """
    y, y_hat = _same_shape_pair(y, y_hat, "y_hat")
    return float(np.sum((y_hat - y) ** 2) / _n_samples(y_hat))


def mse_gradient(y, y_hat) -> np.ndarray:
    """Gradient of :func:`mse` with respect to ``y_hat``: ``2 (y_hat - y) / n``.

    Parameters
    ----------
    y, y_hat : array_like of the same shape

    Returns
    -------
    ndarray of the shape and floating dtype of ``y_hat``
    """
    y, y_hat = _same_shape_pair(y, y_hat, "y_hat")
    return 2 * (y_hat - y) / _n_samples(y_hat)


# --------------------------------------------------------------------------
# binary classification
# --------------------------------------------------------------------------


def binary_cross_entropy(y, y_hat) -> float:
    """Binary cross-entropy (log loss) from predicted probabilities.

    .. math:: L = -\\frac1n \\sum_i \\big[ y_i \\log \\hat y_i
              + (1 - y_i) \\log (1 - \\hat y_i) \\big]

    ``y_hat`` is clipped to ``[eps, 1 - eps]`` (``eps`` the machine epsilon of
    its dtype) so that a confident wrong prediction costs a large but finite
    amount instead of ``inf``. Prefer :func:`binary_cross_entropy_with_logits`
    when the scores before the sigmoid are available: it needs no clipping.

    Parameters
    ----------
    y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Targets in [0, 1], usually the labels 0 and 1.
    y_hat : array_like of the same shape
        Predicted probabilities of class 1, in [0, 1].

    Returns
    -------
    float
    """
    y, y_hat = _same_shape_pair(y, y_hat, "y_hat")
    _check_probabilities(y, "y", rows_sum_to_one=False)
    _check_probabilities(y_hat, "y_hat", rows_sum_to_one=False)
    p = _clip_probabilities(y_hat)
    per_entry = y * np.log(p) + (1 - y) * np.log1p(-p)
    return float(-np.sum(per_entry) / _n_samples(y_hat))


def binary_cross_entropy_gradient(y, y_hat) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy` with respect to ``y_hat``.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_i}
              = \\frac{1}{n} \\, \\frac{\\hat y_i - y_i}{\\hat y_i (1 - \\hat y_i)}

    evaluated at the clipped probabilities, so it stays finite at 0 and 1 and
    still points in the direction that lowers the loss.

    Parameters
    ----------
    y, y_hat : array_like of the same shape

    Returns
    -------
    ndarray of the shape and floating dtype of ``y_hat``
    """
    y, y_hat = _same_shape_pair(y, y_hat, "y_hat")
    _check_probabilities(y, "y", rows_sum_to_one=False)
    _check_probabilities(y_hat, "y_hat", rows_sum_to_one=False)
    p = _clip_probabilities(y_hat)
    return (p - y) / (p * (1 - p)) / _n_samples(y_hat)


@_ignore_underflow
def binary_cross_entropy_with_logits(y, z) -> float:
    """Binary cross-entropy from scores ``z``, with ``y_hat = sigmoid(z)``.

    Substituting the sigmoid into the log loss and simplifying gives, per entry,

    .. math:: \\ell(y, z) = \\max(z, 0) - z y + \\log(1 + e^{-|z|}),

    which never exponentiates a positive number and never takes ``log(0)``, so
    it is exact and finite for scores of any size (a wrong score of ``1e4``
    costs ``1e4``, where the clipped probability version would say about 36).

    Parameters
    ----------
    y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Targets in [0, 1].
    z : array_like of the same shape
        Scores (logits).

    Returns
    -------
    float
    """
    y, z = _same_shape_pair(y, z, "z")
    _check_probabilities(y, "y", rows_sum_to_one=False)
    per_entry = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(np.sum(per_entry) / _n_samples(z))


def binary_cross_entropy_with_logits_gradient(y, z) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy_with_logits` w.r.t. ``z``.

    .. math:: \\frac{\\partial L}{\\partial z_i} = \\frac{\\sigma(z_i) - y_i}{n}

    Parameters
    ----------
    y, z : array_like of the same shape

    Returns
    -------
    ndarray of the shape and floating dtype of ``z``
    """
    y, z = _same_shape_pair(y, z, "z")
    _check_probabilities(y, "y", rows_sum_to_one=False)
    return (sigmoid(z) - y) / _n_samples(z)


# --------------------------------------------------------------------------
# multi-class classification
# --------------------------------------------------------------------------


@_ignore_underflow
def cross_entropy(y, z) -> float:
    """Softmax cross-entropy from scores (logits).

    .. math:: L = -\\frac1n \\sum_{i=1}^n \\sum_{k=1}^K Y_{ik}
              \\log \\operatorname{softmax}(z_i)_k

    For a one-hot row this is ``-log y_hat[true class]``. It is computed with
    :func:`log_softmax`, so it is finite for scores of any size.

    Parameters
    ----------
    y : array_like
        Integer labels of shape (n_samples,), or probability rows of shape
        (n_samples, K); for a single sample, a scalar label or a (K,) vector.
    z : array_like of shape (n_samples, K) or (K,)
        Scores.

    Returns
    -------
    float

    Examples
    --------
    The lecture example, true class "cat" (index 1):

    >>> from course.losses import cross_entropy
    >>> round(cross_entropy(1, [3.2, 5.1, -1.7, -3.7]), 2)
    0.14
    """
    Y, Z = _class_targets(y, z, "z")
    return float(-np.sum(Y * log_softmax(Z)) / Z.shape[0])


def cross_entropy_gradient(y, z) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to the scores.

    .. math:: \\frac{\\partial L}{\\partial z} = \\frac{\\operatorname{softmax}(z)
              - Y}{n}

    The softmax Jacobian and the derivative of the log cancel into this simple
    difference, which is why softmax and cross-entropy are always paired.

    Parameters
    ----------
    y : array_like
        As for :func:`cross_entropy`.
    z : array_like of shape (n_samples, K) or (K,)

    Returns
    -------
    ndarray of the shape and floating dtype of ``z``
    """
    Y, Z = _class_targets(y, z, "z")
    return ((softmax(Z) - Y) / Z.shape[0]).reshape(np.shape(z))


def cross_entropy_from_probs(y, y_hat) -> float:
    """Cross-entropy from predicted probabilities.

    .. math:: L = -\\frac1n \\sum_i \\sum_k Y_{ik} \\log \\hat y_{ik}

    ``y_hat`` is clipped to ``[eps, 1 - eps]`` as in
    :func:`binary_cross_entropy`. Rows of ``y_hat`` are not required to sum to
    1, so that single entries can be perturbed in a gradient check.

    Parameters
    ----------
    y : array_like
        As for :func:`cross_entropy`.
    y_hat : array_like of shape (n_samples, K) or (K,)
        Predicted probabilities.

    Returns
    -------
    float

    Examples
    --------
    >>> from course.losses import cross_entropy_from_probs
    >>> round(cross_entropy_from_probs(1, [0.96, 0.03, 0.0, 0.01]), 2)
    3.51
    """
    Y, P = _class_targets(y, y_hat, "y_hat")
    _check_probabilities(P, "y_hat", rows_sum_to_one=False)
    return float(-np.sum(_xlogy(Y, _clip_probabilities(P))) / P.shape[0])


def cross_entropy_from_probs_gradient(y, y_hat) -> np.ndarray:
    """Gradient of :func:`cross_entropy_from_probs`: ``-Y / (n y_hat)``.

    Evaluated at the clipped probabilities, so it is finite.

    Parameters
    ----------
    y : array_like
        As for :func:`cross_entropy`.
    y_hat : array_like of shape (n_samples, K) or (K,)

    Returns
    -------
    ndarray of the shape and floating dtype of ``y_hat``
    """
    Y, P = _class_targets(y, y_hat, "y_hat")
    _check_probabilities(P, "y_hat", rows_sum_to_one=False)
    grad = -Y / _clip_probabilities(P) / P.shape[0]
    return grad.reshape(np.shape(y_hat))


def _n_rows(a: np.ndarray) -> int:
    """Number of distributions in ``a`` of shape (K,) or (n_samples, K)."""
    return a.shape[0] if a.ndim == 2 else 1


def _as_distributions(a, name: str, *, normalised: bool, dtype=None) -> np.ndarray:
    """Validate probability vectors of shape (K,) or (n_samples, K)."""
    arr = as_nonempty_float_array(a, name, dtype=dtype)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{name} must have shape (K,) or (n_samples, K), but got shape {arr.shape}."
        )
    _check_probabilities(arr, name, rows_sum_to_one=normalised)
    return arr


def _distribution_pair(p, q) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``p`` (rows summing to 1) and ``q`` (entries in [0, 1])."""
    q = _as_distributions(q, "q", normalised=False)
    p = _as_distributions(p, "p", normalised=True, dtype=q.dtype)
    if p.shape != q.shape:
        raise ValueError(
            f"p and q must have the same shape, but got {p.shape} and {q.shape}."
        )
    if np.any((q == 0) & (p > 0)):
        n_bad = int(np.count_nonzero((q == 0) & (p > 0)))
        raise ValueError(
            "q must be positive wherever p is positive (otherwise the KL "
            f"divergence is infinite), but q is 0 at {n_bad} such entries."
        )
    return p, q


def entropy(p) -> float:
    """Shannon entropy in nats, averaged over rows.

    .. math:: H(p) = -\\sum_k p_k \\log p_k, \\qquad 0 \\log 0 = 0

    Parameters
    ----------
    p : array_like of shape (K,) or (n_samples, K)
        Probability distributions (rows summing to 1).

    Returns
    -------
    float
        Between 0 (a one-hot row) and ``log K`` (the uniform distribution).
    """
    p = _as_distributions(p, "p", normalised=True)
    return float(-np.sum(_xlogy(p, p)) / _n_rows(p))


def kl_divergence(p, q) -> float:
    """Kullback-Leibler divergence ``D_KL(p || q)``, averaged over rows.

    .. math:: D_{KL}(p \\,\\|\\, q) = \\sum_k p_k \\log \\frac{p_k}{q_k}
              = \\underbrace{-\\sum_k p_k \\log q_k}_{\\text{cross-entropy}}
              - \\underbrace{\\Big(-\\sum_k p_k \\log p_k\\Big)}_{\\text{entropy}}

    It is the extra cost of describing samples from ``p`` with a code built for
    ``q``. It is non-negative, and 0 only when ``q = p``; it is not symmetric
    (``D(p||q) != D(q||p)`` in general), so it is not a distance. Because the
    entropy of ``p`` does not depend on ``q``, minimising the cross-entropy
    over ``q`` minimises the KL divergence.

    Terms with ``p_k = 0`` contribute 0 (``0 log 0 = 0``), whatever ``q_k``.

    Parameters
    ----------
    p : array_like of shape (K,) or (n_samples, K)
        Reference distributions (rows summing to 1).
    q : array_like of the same shape
        Approximating distributions, entries in [0, 1] (rows are not required
        to sum to 1, so that gradients can be checked entry by entry; the
        divergence is only guaranteed non-negative when they do).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``q_k = 0`` where ``p_k > 0``: the divergence is infinite there.
    """
    p, q = _distribution_pair(p, q)
    return float(np.sum(_xlogy(p, p) - _xlogy(p, q)) / _n_rows(p))


def kl_divergence_gradient(p, q) -> np.ndarray:
    """Gradient of :func:`kl_divergence` with respect to ``q``: ``-p / (n q)``.

    Entries where ``p = 0`` have gradient 0.

    Parameters
    ----------
    p, q : array_like of the same shape, (K,) or (n_samples, K)

    Returns
    -------
    ndarray of the shape and floating dtype of ``q``
    """
    p, q = _distribution_pair(p, q)
    ratio = np.divide(p, q, out=np.zeros_like(q), where=p > 0)
    return -ratio / _n_rows(q)


# --------------------------------------------------------------------------
# the 0-1 loss
# --------------------------------------------------------------------------


def zero_one_loss(y, y_hat_labels) -> float:
    """Fraction of misclassified samples: ``1 - accuracy``.

    .. math:: L = \\frac1n \\sum_i [\\hat y_i \\ne y_i]

    This is the loss we care about, but it cannot be trained with gradient
    descent: as a function of the model's parameters it is piecewise constant,
    because a small change of the weights changes no predicted label, so its
    gradient is zero almost everywhere (and undefined at the few parameter
    values where a label flips). Differentiable surrogates such as the
    cross-entropy are minimised instead.

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
        True labels (any integers, e.g. 0/1 or -1/+1).
    y_hat_labels : array_like of int, shape (n_samples,)
        Predicted labels.

    Returns
    -------
    float
        In [0, 1].
    """
    y = check_labels(y, "y")
    y_hat_labels = check_labels(y_hat_labels, "y_hat_labels")
    if y.shape != y_hat_labels.shape:
        raise ValueError(
            f"y and y_hat_labels must have the same length, but got {y.shape[0]} "
            f"and {y_hat_labels.shape[0]}."
        )
    return float(np.mean(y != y_hat_labels))
