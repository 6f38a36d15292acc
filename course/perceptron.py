"""The perceptron: binary, multi-class and averaged.

A perceptron thresholds a weighted sum of its inputs,

.. math:: f(x) = 1 \\text{ if } w^\\top x + b \\ge 0 \\text{, else } 0,

and learns :math:`\\theta = (w, b)` with the mistake-driven rule of the
lectures: start from :math:`\\theta = 0`; visit the examples one after the
other; when an example is misclassified, set

.. math:: \\theta_i \\leftarrow \\theta_i + \\eta \\, (y - f(x)) \\, x_i

for every parameter (the bias sees a constant input of 1); stop
after an epoch (one pass over the data) that changes nothing. On linearly
separable data this terminates; on data that are not separable (XOR) it never
does, and the weights keep revisiting the same states.

Notes
-----
The rule is sequential, but between two mistakes the weights do not change.
Each epoch therefore scores a block of upcoming examples with one
matrix product, jumps to the first misclassified one, updates, and carries on
from the example after it. This visits the examples in exactly the order of
the per-example loop and makes exactly the same updates, without a Python
step per correctly classified example.

:func:`perceptron_updates` is that per-example loop, the rule exactly as
stated above, yielding the parameters after every update;
:func:`perceptron_trace` records them all, to replay training one mistake at
a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from course._validation import check_positive, check_X, check_X_y, class_labels
from course.linear import LinearClassifierMixin

__all__ = [
    "Perceptron",
    "AveragedPerceptron",
    "MulticlassPerceptron",
    "PerceptronUpdate",
    "PerceptronTrace",
    "perceptron_updates",
    "perceptron_trace",
]

_MIN_BLOCK = 8
_MAX_BLOCK = 4096


def _augment(X: np.ndarray, lr: float) -> np.ndarray:
    """Append the constant bias input 1 to every row and scale rows by ``lr``."""
    Xa = np.empty((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
    Xa[:, :-1] = X
    Xa[:, -1] = 1.0
    if lr != 1:
        Xa *= lr
    return Xa


def _epoch(
    Xe: np.ndarray,
    targets: np.ndarray,
    theta: np.ndarray,
    avg_sum: np.ndarray | None,
    tau0: int,
    predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
    update: Callable[[np.ndarray, np.ndarray, object, object], None],
) -> int:
    """One pass of the perceptron rule over the rows of ``Xe``, in order.

    ``predict(X_block, theta)`` returns the predictions for a block of rows,
    ``update(arr, x, target, prediction)`` applies one mistake's correction
    to ``arr``. When ``avg_sum`` is given, the correction made at global step
    ``tau`` is also added to it with weight ``tau`` (for the average).
    Returns the number of mistakes (updates).
    """
    n = Xe.shape[0]
    i = 0
    block = _MIN_BLOCK
    mistakes = 0
    while i < n:
        stop = min(i + block, n)
        pred = predict(Xe[i:stop], theta)
        wrong = pred != targets[i:stop]
        j = int(wrong.argmax())
        if not wrong[j]:
            i = stop
            block = min(2 * block, _MAX_BLOCK)
            continue
        m = i + j
        update(theta, Xe[m], targets[m], pred[j])
        if avg_sum is not None:
            update(avg_sum, np.float64(tau0 + m + 1) * Xe[m], targets[m], pred[j])
        mistakes += 1
        i = m + 1
        block = max(_MIN_BLOCK, 2 * (j + 1))
    return mistakes


def _binary_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The alphabet of binary labels ``y`` ([0, 1] or [-1, 1]) and ``y == 1``."""
    if y.ndim != 1:
        raise ValueError(
            f"y must be a 1-D array of labels, but got an array of shape {y.shape}."
        )
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise TypeError(f"y must contain numbers, but got dtype {y.dtype}.")
    labels = np.unique(y)
    if set(labels.tolist()) == {0, 1}:
        classes = np.array([0, 1])
    elif set(labels.tolist()) == {-1, 1}:
        classes = np.array([-1, 1])
    else:
        raise ValueError(
            "y must contain exactly the two labels {0, 1} or {-1, 1}, but got "
            f"the labels {labels.tolist()}."
        )
    return classes, y == 1


class _PerceptronBase(LinearClassifierMixin):
    """Epoch loop, stopping rules and averaging shared by the perceptrons."""

    def __init__(
        self,
        lr: float = 1.0,
        n_epochs: int = 100,
        shuffle: bool = False,
        seed: int | None = None,
        averaged: bool = False,
    ) -> None:
        self.lr = lr
        self.n_epochs = n_epochs
        self.shuffle = shuffle
        self.seed = seed
        self.averaged = averaged

    @staticmethod
    def _predict_block(Xb: np.ndarray, theta: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _update(arr: np.ndarray, x: np.ndarray, target, prediction) -> None:
        raise NotImplementedError

    def _train(self, X: np.ndarray, targets: np.ndarray, theta: np.ndarray):
        """Run epochs of the rule on ``theta`` (modified in place).

        Returns the parameters used for prediction: ``theta`` itself, or the
        average of ``theta`` over every example visited when ``averaged``.
        """
        check_positive(self.lr, "lr")
        check_positive(self.n_epochs, "n_epochs", integer=True)
        Xa = _augment(X, self.lr)
        n = Xa.shape[0]
        rng = np.random.default_rng(self.seed)
        avg_sum = np.zeros(theta.shape) if self.averaged else None
        seen = {theta.tobytes()}
        self.mistakes_per_epoch_: list[int] = []
        self.converged_ = self.cycling_ = False
        tau = 0
        Xe, te = Xa, targets
        for _ in range(self.n_epochs):
            if self.shuffle:
                order = rng.permutation(n)
                Xe, te = Xa[order], targets[order]
            mistakes = _epoch(
                Xe, te, theta, avg_sum, tau, self._predict_block, self._update
            )
            tau += n
            self.mistakes_per_epoch_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
            state = theta.tobytes()
            if state in seen:
                # Every update of a separable problem increases theta . theta*
                # by a positive margin, so a state cannot come back: the data
                # are not linearly separable and no epoch can be error-free.
                self.cycling_ = True
                break
            seen.add(state)
        self.n_epochs_ = len(self.mistakes_per_epoch_)
        if self.averaged:
            # sum_{s=1}^{T} theta_s = (T + 1) theta_T - sum_tau tau * delta_tau
            return (((tau + 1) * theta - avg_sum) / tau).astype(theta.dtype)
        return theta


class Perceptron(_PerceptronBase):
    """Binary perceptron trained with the mistake-driven rule.

    Parameters
    ----------
    lr : float, default 1.0
        Learning rate :math:`\\eta` of the update. Starting from zero weights,
        every weight is a sum of :math:`\\pm\\eta x`, so ``lr`` rescales the
        weights without changing any prediction.
    n_epochs : int, default 100
        Largest number of passes over the data.
    shuffle : bool, default False
        Visit the examples in a new random order every epoch (from ``seed``)
        instead of in the order given.
    seed : int or None, default None
        Seed of the shuffling.
    averaged : bool, default False
        Predict with the average of the weight vectors held after each
        example visited, instead of the last one (the averaged perceptron,
        which generalises better when the data are not separable).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Weights :math:`w` used for prediction.
    intercept_ : float
        Bias :math:`b` used for prediction.
    classes_ : ndarray of shape (2,)
        The label alphabet of ``y``: ``[0, 1]`` or ``[-1, 1]``; predictions
        use the same one.
    n_features_in_ : int
    mistakes_per_epoch_ : list of int
        Number of updates made in each epoch.
    n_epochs_ : int
        Number of epochs run.
    converged_ : bool
        True if the last epoch made no mistake (the data are separated).
    cycling_ : bool
        True if training stopped because the weights at the end of an epoch
        equalled those at the end of an earlier one (or the initial zeros):
        this proves the data are not linearly separable.

    Notes
    -----
    With labels :math:`y \\in \\{0, 1\\}` and :math:`f(x) \\in \\{0, 1\\}`, a
    mistake has :math:`y - f(x) = \\pm 1`: the update adds :math:`\\eta x` to
    :math:`\\theta` for a missed positive and subtracts it for a false
    positive. With labels :math:`\\{-1, +1\\}` this is the classic
    :math:`\\theta \\leftarrow \\theta + \\eta y x`. Both alphabets therefore
    give identical weights. A score of exactly 0 predicts the positive class.

    Examples
    --------
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> clf = Perceptron().fit(X, [0, 0, 0, 1])  # logical AND
    >>> clf.predict(X).tolist(), clf.converged_
    ([0, 0, 0, 1], True)
    """

    @staticmethod
    def _predict_block(Xb: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return Xb @ theta >= 0

    @staticmethod
    def _update(arr: np.ndarray, x: np.ndarray, positive, prediction) -> None:
        if positive:
            arr += x
        else:
            arr -= x

    def fit(self, X, y) -> Perceptron:
        """Learn weights from ``X`` and labels ``y`` in {0, 1} or {-1, 1}.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Both labels of one alphabet, {0, 1} or {-1, 1}.

        Returns
        -------
        self
        """
        X, y = check_X_y(X, y)
        self.classes_, positive = _binary_labels(y)
        return self._fit_from_zero(X, positive)

    def predict(self, X) -> np.ndarray:
        """Labels (in the alphabet of ``fit``): positive where the score is >= 0.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        positive = self.decision_function(X) >= 0
        return self.classes_[positive.astype(np.intp)]


class AveragedPerceptron(Perceptron):
    """The averaged perceptron: :class:`Perceptron` with ``averaged=True``.

    It runs the same mistake-driven rule but predicts with the average of the
    weight vectors held after each example visited, which is far less
    sensitive to the last few updates than the final weight vector.
    """

    def __init__(
        self,
        lr: float = 1.0,
        n_epochs: int = 100,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__(lr=lr, n_epochs=n_epochs, shuffle=shuffle, seed=seed)
        self.averaged = True


class MulticlassPerceptron(_PerceptronBase):
    """Multi-class perceptron: one weight vector per class, predict the argmax.

    The scores :math:`z = W x + b`, with ``W`` of shape (n_classes,
    n_features) and ``b`` of shape (n_classes,), are the weighted sums of one
    perceptron per class before their thresholds; the predicted class is
    :math:`\\arg\\max_j z_j` (the lowest index on ties).

    On a mistake (prediction :math:`p` for an example of class :math:`y \\ne
    p`) the rule adds :math:`\\eta x` to row :math:`y` (and 1 to :math:`b_y`)
    and subtracts it from row :math:`p`. This is the binary rule applied to
    the two perceptrons that caused the error: the perceptron of the true
    class should have fired (target 1, so :math:`y - f(x) = +1`) and the one
    that won wrongly should not have (target 0, :math:`y - f(x) = -1`).
    The other perceptrons did not decide the outcome and are left alone.

    Parameters
    ----------
    lr : float, default 1.0
        Learning rate :math:`\\eta` (from zero weights it only rescales them).
    n_epochs : int, default 100
        Largest number of passes over the data.
    shuffle : bool, default False
        Visit the examples in a new random order every epoch (from ``seed``).
    seed : int or None, default None
        Seed of the shuffling.
    averaged : bool, default False
        Predict with the average of the weights held after each example.
    n_classes : int or None, default None
        Number of classes; labels must lie in ``[0, n_classes)``. By default
        ``max(y) + 1``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features)
        Weight matrix :math:`W` used for prediction.
    intercept_ : ndarray of shape (n_classes,)
        Biases :math:`b`.
    n_classes_ : int
    n_features_in_ : int
    mistakes_per_epoch_ : list of int
    n_epochs_ : int
    converged_ : bool
    cycling_ : bool
        See :class:`Perceptron`.
    """

    def __init__(
        self,
        lr: float = 1.0,
        n_epochs: int = 100,
        shuffle: bool = False,
        seed: int | None = None,
        averaged: bool = False,
        n_classes: int | None = None,
    ) -> None:
        super().__init__(
            lr=lr, n_epochs=n_epochs, shuffle=shuffle, seed=seed, averaged=averaged
        )
        self.n_classes = n_classes

    @staticmethod
    def _predict_block(Xb: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return (Xb @ theta.T).argmax(axis=1)

    @staticmethod
    def _update(arr: np.ndarray, x: np.ndarray, target, prediction) -> None:
        arr[target] += x
        arr[prediction] -= x

    def fit(self, X, y) -> MulticlassPerceptron:
        """Learn one weight vector per class from ``X`` and integer labels ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of int of shape (n_samples,)
            Class labels in ``[0, n_classes)``.

        Returns
        -------
        self
        """
        return self._fit_classes(X, y)

    def predict(self, X) -> np.ndarray:
        """The class with the highest score, for each row of ``X``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int of shape (n_samples,)
        """
        return self.decision_function(X).argmax(axis=1)


# --------------------------------------------------------------------------
# the rule one example at a time
# --------------------------------------------------------------------------


class PerceptronUpdate(NamedTuple):
    """One update of the perceptron rule.

    Attributes
    ----------
    epoch : int
        Epoch of the update, from 1.
    index : int
        Row of ``X`` that was misclassified and caused the update.
    theta : ndarray
        The parameters after the update, a new array at every update:
        ``[w_1, ..., w_d, b]`` of shape (n_features + 1,) for the binary rule,
        one such row per class, shape (n_classes, n_features + 1), for the
        multi-class rule.
    """

    epoch: int
    index: int
    theta: np.ndarray


def _start(
    X, y, lr: float, n_epochs: int, multiclass: bool, n_classes: int | None
) -> tuple[np.ndarray, list, np.ndarray]:
    """Validate; return the bias-augmented ``X``, the targets and zero weights."""
    X, y = check_X_y(X, y)
    check_positive(lr, "lr")
    check_positive(n_epochs, "n_epochs", integer=True)
    if multiclass:
        targets, n_classes = class_labels(y, n_classes)
        theta = np.zeros((n_classes, X.shape[1] + 1), dtype=X.dtype)
    elif n_classes is not None:
        raise ValueError(
            "n_classes is a parameter of the multi-class rule: pass multiclass=True "
            f"with it, but got n_classes={n_classes!r} with multiclass=False."
        )
    else:
        targets = _binary_labels(y)[1]
        theta = np.zeros(X.shape[1] + 1, dtype=X.dtype)
    return _augment(X, 1.0), targets.tolist(), theta


def _per_example(
    Xa: np.ndarray, targets: list, theta: np.ndarray, lr: float, n_epochs: int
) -> Iterator[PerceptronUpdate]:
    """The loop of :func:`perceptron_updates` over validated inputs."""
    multiclass = theta.ndim == 2
    for epoch in range(1, n_epochs + 1):
        mistakes = 0
        for i, (x, target) in enumerate(zip(Xa, targets, strict=True)):
            if multiclass:
                predicted = int(np.argmax(theta @ x))
                if predicted == target:
                    continue
                step = lr * x
                theta = theta.copy()
                theta[target] += step
                theta[predicted] -= step
            else:
                fired = bool(x @ theta >= 0)
                if fired == target:
                    continue
                theta = theta + (lr if target else -lr) * x
            mistakes += 1
            yield PerceptronUpdate(epoch, i, theta)
        if mistakes == 0:
            return


def perceptron_updates(
    X,
    y,
    *,
    lr: float = 1.0,
    n_epochs: int = 10,
    multiclass: bool = False,
    n_classes: int | None = None,
) -> Iterator[PerceptronUpdate]:
    """The perceptron rule as in the textbook, one example at a time.

    Starting from :math:`\\theta = 0`, visit the examples in the order given,
    epoch after epoch, and update on every mistake:

    * binary rule, :math:`f(x) = 1` if :math:`w^\\top x + b \\ge 0`, else 0:
      :math:`\\theta \\leftarrow \\theta + \\eta\\,(y - f(x))\\,(x, 1)`;
    * multi-class rule, prediction :math:`p = \\arg\\max_j (W x + b)_j`: add
      :math:`\\eta\\,(x, 1)` to the row of the true class :math:`y` and subtract
      it from row :math:`p`.

    Stop after an epoch without mistakes or after ``n_epochs`` epochs. This is
    the plain loop, one dot product per example and one Python step each: it
    makes exactly the updates of :class:`Perceptron` and
    :class:`MulticlassPerceptron` (which skip ahead to the next mistake with
    block scans, and also stop when the weights cycle), serves as their
    reference, and is much slower on large data.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Kept in its floating precision (float32 stays float32).
    y : array_like of shape (n_samples,)
        Labels {0, 1} or {-1, 1} for the binary rule (1 is the positive
        class); integer labels in ``[0, n_classes)`` for the multi-class rule.
    lr : float, default 1.0
        Learning rate :math:`\\eta` > 0.
    n_epochs : int, default 10
        Largest number of passes over the data.
    multiclass : bool, default False
        Run the multi-class rule.
    n_classes : int or None, default None
        Number of classes of the multi-class rule; by default ``max(y) + 1``.

    Returns
    -------
    iterator of PerceptronUpdate
        One item per update, in order, each holding the parameters after it.
        The arguments are checked when the function is called; training runs
        as the iterator is consumed.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> first = next(perceptron_updates(X, [0, 0, 0, 1]))  # logical AND
    >>> first.epoch, first.index, first.theta.tolist()
    (1, 0, [0.0, 0.0, -1.0])
    """
    Xa, targets, theta = _start(X, y, lr, n_epochs, multiclass, n_classes)
    return _per_example(Xa, targets, theta, lr, n_epochs)


class PerceptronTrace(NamedTuple):
    """Every state of a perceptron during training.

    Attributes
    ----------
    theta : ndarray of shape (n_updates + 1, *theta_shape)
        The parameters before the first update (zeros) and after each update:
        ``theta_shape`` is (n_features + 1,), ``[w_1, ..., w_d, b]``, for the
        binary rule and (n_classes, n_features + 1) for the multi-class rule.
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


def perceptron_trace(
    X,
    y,
    lr: float = 1.0,
    n_epochs: int = 10,
    *,
    multiclass: bool = False,
    n_classes: int | None = None,
) -> PerceptronTrace:
    """Train a perceptron and record its parameters after every update.

    Runs :func:`perceptron_updates` in float64 and keeps every state.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels {0, 1} or {-1, 1} (1 is the positive class); integer labels
        in ``[0, n_classes)`` with ``multiclass=True``.
    lr : float, default 1.0
        Learning rate :math:`\\eta` > 0.
    n_epochs : int, default 10
        Largest number of passes over the data.
    multiclass : bool, default False
        Record the multi-class rule.
    n_classes : int or None, default None
        Number of classes of the multi-class rule; by default ``max(y) + 1``.

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
    X = check_X(X, dtype=np.float64)
    Xa, targets, theta = _start(X, y, lr, n_epochs, multiclass, n_classes)
    updates = list(_per_example(Xa, targets, theta, lr, n_epochs))
    thetas = np.stack([theta] + [u.theta for u in updates])
    epoch = np.array([u.epoch for u in updates], dtype=np.intp)
    # An epoch without mistakes ends training: it follows the last update's
    # epoch unless that one was the last allowed.
    last = int(epoch[-1]) if updates else 0
    n_run = min(n_epochs, last + 1)
    if multiclass:
        predicted = (thetas @ Xa.T).argmax(axis=1).T
    else:
        predicted = Xa @ thetas.T >= 0
    wrong = predicted != np.array(targets)[:, None]  # (n_samples, n_updates + 1)
    return PerceptronTrace(
        theta=thetas,
        index=np.array([u.index for u in updates], dtype=np.intp),
        epoch=epoch,
        n_errors=np.count_nonzero(wrong, axis=0),
        mistakes_per_epoch=np.bincount(epoch, minlength=n_run + 1)[1:],
        converged=last < n_epochs,
    )
