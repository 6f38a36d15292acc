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
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course._validation import (
    check_is_fitted,
    check_n_features,
    check_positive,
    check_X,
    check_X_y,
    class_labels,
)
from course.losses import zero_one_loss

__all__ = [
    "Perceptron",
    "AveragedPerceptron",
    "MulticlassPerceptron",
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


class _PerceptronBase:
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

    def _check_X_predict(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = check_X(X)
        check_n_features(self, X, self.n_features_in_)
        return X

    def score(self, X, y) -> float:
        """Accuracy: the fraction of samples of ``X`` whose label is predicted.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        float
        """
        X, y = check_X_y(X, y)
        return 1.0 - zero_one_loss(y, self.predict(X))


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
        if y.ndim != 1:
            raise ValueError(
                f"y must be a 1-D array of labels, but got an array of shape {y.shape}."
            )
        if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
            raise TypeError(f"y must contain numbers, but got dtype {y.dtype}.")
        labels = np.unique(y)
        if set(labels.tolist()) == {0, 1}:
            self.classes_ = np.array([0, 1])
        elif set(labels.tolist()) == {-1, 1}:
            self.classes_ = np.array([-1, 1])
        else:
            raise ValueError(
                "y must contain exactly the two labels {0, 1} or {-1, 1}, but got "
                f"the labels {labels.tolist()}."
            )
        positive = y == 1
        theta = self._train(X, positive, np.zeros(X.shape[1] + 1, dtype=X.dtype))
        self.coef_ = theta[:-1].copy()
        self.intercept_ = float(theta[-1])
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        """Scores :math:`w^\\top x + b` before the threshold.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = self._check_X_predict(X)
        return X @ self.coef_ + self.intercept_

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
        X, y = check_X_y(X, y)
        y, n_classes = class_labels(y, self.n_classes)
        theta = np.zeros((n_classes, X.shape[1] + 1), dtype=X.dtype)
        theta = self._train(X, y, theta)
        self.coef_ = theta[:, :-1].copy()
        self.intercept_ = theta[:, -1].copy()
        self.n_classes_ = n_classes
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        """Class scores :math:`z = W x + b` before any threshold.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X_predict(X)
        return X @ self.coef_.T + self.intercept_

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
