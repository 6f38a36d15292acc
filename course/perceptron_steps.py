"""The perceptron rule one update at a time, to watch training step by step.

:class:`course.perceptron.Perceptron` trains in one call and keeps the final
weights only. :func:`perceptron_trace` runs the same mistake-driven rule, from
:math:`\\theta = 0`, visiting the examples in order, epoch after epoch,

.. math:: \\theta \\leftarrow \\theta + \\eta\\, (y - f(x))\\, (x, 1)
          \\quad \\text{when } f(x) \\ne y,
          \\qquad f(x) = 1 \\text{ if } w^\\top x + b \\ge 0 \\text{ else } 0,

and records the parameters after every update together with the example that
caused it, so that a plot can replay training one mistake at a time. Training
stops after an epoch without mistakes or after ``n_epochs`` epochs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course._validation import check_positive, check_X_y

__all__ = ["PerceptronTrace", "perceptron_trace"]


class PerceptronTrace(NamedTuple):
    """Every state of a perceptron during training.

    Attributes
    ----------
    theta : ndarray of shape (n_updates + 1, n_features + 1)
        ``[w_1, ..., w_d, b]`` before the first update (zeros) and after each
        update.
    index : ndarray of int, shape (n_updates,)
        Row of ``X`` that was misclassified and caused update ``k``
        (``theta[k]`` misclassifies it, ``theta[k + 1]`` is the result).
    epoch : ndarray of int, shape (n_updates,)
        Epoch (from 1) of each update.
    n_errors : ndarray of int, shape (n_updates + 1,)
        Number of points of ``X`` misclassified by ``theta[k]``.
    mistakes_per_epoch : ndarray of int, shape (n_epochs_run,)
        Updates made in each epoch.
    converged : bool
        True if the last epoch made no update: the data are separated.
    """

    theta: np.ndarray
    index: np.ndarray
    epoch: np.ndarray
    n_errors: np.ndarray
    mistakes_per_epoch: np.ndarray
    converged: bool


def perceptron_trace(X, y, lr: float = 1.0, n_epochs: int = 10) -> PerceptronTrace:
    """Train a perceptron and record its parameters after every update.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels {0, 1} or {-1, 1} (1 is the positive class).
    lr : float, default 1.0
        Learning rate :math:`\\eta` > 0.
    n_epochs : int, default 10
        Largest number of passes over the data.

    Returns
    -------
    PerceptronTrace
        The final parameters ``theta[-1]`` are those of
        ``Perceptron(lr=lr, n_epochs=n_epochs).fit(X, y)`` (``coef_`` then
        ``intercept_``) whenever that one stops after an epoch without mistakes.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> trace = perceptron_trace(X, [0, 0, 0, 1])  # logical AND
    >>> trace.converged, trace.theta[-1].tolist(), int(trace.n_errors[-1])
    (True, [2.0, 1.0, -3.0], 0)
    """
    X, y = check_X_y(X, y, dtype=np.float64)
    labels = set(np.unique(y).tolist())
    if labels not in ({0, 1}, {-1, 1}):
        raise ValueError(
            "y must contain exactly the two labels {0, 1} or {-1, 1}, but got the "
            f"labels {sorted(labels)}."
        )
    check_positive(lr, "lr")
    check_positive(n_epochs, "n_epochs", integer=True)
    positive = y == 1
    Xa = np.column_stack([X, np.ones(len(X))])
    theta = np.zeros(Xa.shape[1])
    thetas, index, epoch, mistakes_per_epoch = [theta], [], [], []
    for e in range(1, n_epochs + 1):
        mistakes = 0
        for i, (x, target) in enumerate(zip(Xa, positive, strict=True)):
            fired = x @ theta >= 0
            if fired != target:
                theta = theta + (lr if target else -lr) * x
                thetas.append(theta)
                index.append(i)
                epoch.append(e)
                mistakes += 1
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            break
    thetas = np.array(thetas)
    fired = Xa @ thetas.T >= 0  # (n_samples, n_updates + 1)
    n_errors = np.count_nonzero(fired != positive[:, None], axis=0)
    return PerceptronTrace(
        theta=thetas,
        index=np.array(index, dtype=np.intp),
        epoch=np.array(epoch, dtype=np.intp),
        n_errors=n_errors,
        mistakes_per_epoch=np.array(mistakes_per_epoch, dtype=np.intp),
        converged=mistakes_per_epoch[-1] == 0,
    )
