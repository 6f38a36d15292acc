"""Logistic regression and softmax regression, trained by gradient descent.

Logistic regression is the "soft" perceptron: the threshold is replaced by the
sigmoid, and the output is read as a probability,

.. math:: \\hat y = P(y = 1 \\mid x) = \\sigma(w^\\top x + b).

Maximising the likelihood of independent labels :math:`y_i \\in \\{0, 1\\}`,
:math:`\\prod_i \\hat y_i^{y_i} (1 - \\hat y_i)^{1 - y_i}`, is the same as
minimising the mean negative log-likelihood (NLL), the binary cross-entropy

.. math:: L(w, b) = -\\frac1n \\sum_i \\big[y_i \\log \\hat y_i
          + (1 - y_i) \\log(1 - \\hat y_i)\\big],

whose gradient is :math:`\\nabla_w L = \\frac1n \\sum_i (\\hat y_i - y_i)
x_i`, :math:`\\partial L / \\partial b = \\frac1n \\sum_i (\\hat y_i - y_i)`.

Softmax regression (multinomial logistic regression, the softmax classifier)
has one weight vector per class, scores :math:`z = W x + b` and
probabilities :math:`\\hat y = \\operatorname{softmax}(z)`; its NLL is the
cross-entropy :math:`-\\frac1n \\sum_i \\log \\hat y_{i, y_i}`, with gradient
:math:`\\nabla_W L = \\frac1n (\\hat Y - Y)^\\top X` for one-hot targets
:math:`Y`.

Both models optionally add the L2 penalty :math:`\\frac{\\lambda}{2}
\\lVert W \\rVert^2` (not on the bias) and are trained from zero weights with
:func:`course.optim.gradient_descent` on the whole training set, or with
mini-batch stochastic gradient descent (:class:`course.optim.SGD`) when
``batch_size`` is given.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course._validation import (
    check_is_fitted,
    check_labels,
    check_n_features,
    check_positive,
    check_X,
    check_X_y,
    class_labels,
)
from course.activations import sigmoid, softmax
from course.losses import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    cross_entropy,
    cross_entropy_gradient,
    zero_one_loss,
)
from course.optim import DIVERGENCE_FACTOR, SGD, gradient_descent, minibatches

__all__ = [
    "LinearObjective",
    "LinearClassifierMixin",
    "LogisticRegression",
    "SoftmaxRegression",
]


class LinearObjective:
    """Mean loss of a linear model, plus L2 penalty, as a function of its weights.

    The parameters are packed as :math:`\\theta = [W \\mid b]`: shape
    ``(n_features + 1,)`` for one output (``w`` then ``b``) or ``(n_outputs,
    n_features + 1)`` with the biases in the last column. The scores are
    :math:`Z = X W^\\top + b` and

    .. math:: f(\\theta) = \\text{loss}(y, Z) + \\frac{\\lambda}{2}
              \\lVert W \\rVert^2, \\qquad
              \\nabla_W f = G^\\top X + \\lambda W, \\quad
              \\nabla_b f = \\textstyle\\sum_i G_i,

    with :math:`G = \\partial\\,\\text{loss} / \\partial Z`.

    The scores of the last :math:`\\theta` are cached, so that the value and
    the gradient at the same point (as gradient descent asks for them) cost
    one product with ``X``. Scores that overflow give the value ``inf`` and
    a NaN gradient, which gradient descent reports as divergence.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray
        Targets in the form ``loss`` expects.
    loss : callable
        ``loss(y, Z) -> float``, the mean loss from scores.
    loss_gradient : callable
        ``loss_gradient(y, Z) -> ndarray`` shaped like ``Z``.
    l2 : float, default 0.0
        Penalty strength :math:`\\lambda \\ge 0`.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        loss: Callable,
        loss_gradient: Callable,
        l2: float = 0.0,
    ) -> None:
        self.X = X
        self.y = y
        self.loss = loss
        self.loss_gradient = loss_gradient
        self.l2 = l2
        self._theta: np.ndarray | None = None
        self._scores: np.ndarray | None = None

    def scores(self, theta: np.ndarray) -> np.ndarray:
        """:math:`Z = X W^\\top + b` for :math:`\\theta = [W \\mid b]`."""
        if self._theta is None or not np.array_equal(theta, self._theta):
            with np.errstate(over="ignore", invalid="ignore"):
                self._scores = self.X @ theta[..., :-1].T + theta[..., -1]
            self._theta = theta.copy()
        return self._scores

    def value(self, theta: np.ndarray) -> float:
        """:math:`f(\\theta)`: mean loss plus penalty."""
        Z = self.scores(theta)
        if not np.isfinite(Z).all():
            return np.inf
        W = theta[..., :-1]
        return self.loss(self.y, Z) + 0.5 * self.l2 * float(np.sum(W * W))

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """:math:`\\nabla f(\\theta)`, shaped like ``theta``."""
        Z = self.scores(theta)
        if not np.isfinite(Z).all():
            return np.full_like(theta, np.nan)
        G = self.loss_gradient(self.y, Z)
        grad = np.empty_like(theta)
        grad[..., :-1] = G.T @ self.X
        if self.l2:
            grad[..., :-1] += self.l2 * theta[..., :-1]
        grad[..., -1] = G.sum(axis=0)
        return grad


class LinearClassifierMixin:
    """Fitting and scoring plumbing of the linear classifiers.

    Shared by the models here and the perceptrons of :mod:`course.perceptron`:
    their parameters are packed as :math:`\\theta = [W \\mid b]` (as for
    :class:`LinearObjective`), trained from zero by the subclass's
    ``_train(X, targets, theta) -> theta`` and stored as ``coef_`` and
    ``intercept_``. The scores :math:`W x + b` and the multi-class ``fit`` are
    the same for all of them and live here.
    """

    def _fit_from_zero(self, X: np.ndarray, targets, n_classes: int | None = None):
        """Train from :math:`\\theta = 0`, store the result and return ``self``.

        :math:`\\theta` has one row per class if ``n_classes`` is given; it sets
        ``coef_``, ``intercept_`` and ``n_features_in_``.
        """
        n = X.shape[1] + 1
        shape = (n,) if n_classes is None else (n_classes, n)
        theta = self._train(X, targets, np.zeros(shape, dtype=X.dtype))
        self.coef_ = theta[..., :-1].copy()
        self.intercept_ = float(theta[-1]) if n_classes is None else theta[:, -1].copy()
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_classes(self, X, y):
        """The multi-class ``fit``: one row of :math:`\\theta` per class.

        Checks ``X`` and the integer labels ``y`` (against ``self.n_classes``
        when it is set), trains from zero and sets ``n_classes_``.
        """
        X, y = check_X_y(X, y)
        y, n_classes = class_labels(y, self.n_classes)
        self._fit_from_zero(X, y, n_classes)
        self.n_classes_ = n_classes
        return self

    def decision_function(self, X) -> np.ndarray:
        """Scores :math:`z = W x + b`, before any threshold or squashing.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for a binary model, (n_samples, n_classes)
        for a multi-class one
        """
        X = self._check_X_predict(X)
        return X @ self.coef_.T + self.intercept_

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


class _LinearClassifier(LinearClassifierMixin):
    """Training loops shared by the two models."""

    def __init__(
        self,
        lr: float = 1.0,
        max_steps: int = 1000,
        eps: float = 1e-6,
        k: int = 1,
        l2: float = 0.0,
        batch_size: int | None = None,
        n_epochs: int = 10,
        seed: int | None = 0,
    ) -> None:
        self.lr = lr
        self.max_steps = max_steps
        self.eps = eps
        self.k = k
        self.l2 = l2
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.seed = seed

    _loss: Callable
    _loss_gradient: Callable

    def _objective(self, X: np.ndarray, y: np.ndarray) -> LinearObjective:
        return LinearObjective(X, y, self._loss, self._loss_gradient, self.l2)

    def _diverged(self, where: str, loss: float) -> ValueError:
        return ValueError(
            f"Training diverged {where} (loss {loss:.3g}): lower lr (got "
            f"{self.lr!r}) or l2 (got {self.l2!r})."
        )

    def _train(self, X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Minimise the objective from ``theta``; set the history attributes."""
        check_positive(self.l2, "l2", strict=False)
        objective = self._objective(X, y)
        if self.batch_size is None:
            result = gradient_descent(
                objective.value,
                objective.gradient,
                theta,
                self.lr,
                eps=self.eps,
                k=self.k,
                max_steps=self.max_steps,
                keep_trajectory=False,
            )
            if result.diverged:
                raise self._diverged(
                    f"after {result.n_steps} steps", float(result.values[-1])
                )
            self.loss_history_ = result.values
            self.n_iter_ = result.n_steps
            self.converged_ = result.converged
            return result.x

        check_positive(self.batch_size, "batch_size", integer=True)
        check_positive(self.n_epochs, "n_epochs", integer=True)
        optimizer = SGD(lr=self.lr)
        rng = np.random.default_rng(self.seed)
        history = [objective.value(theta)]
        limit = DIVERGENCE_FACTOR * (1.0 + abs(history[0]))
        for epoch in range(1, self.n_epochs + 1):
            with np.errstate(over="ignore", invalid="ignore"):
                for idx in minibatches(X.shape[0], self.batch_size, seed=rng):
                    batch = self._objective(X[idx], y[idx])
                    optimizer.step([theta], [batch.gradient(theta)])
                    if not np.isfinite(theta).all():
                        raise self._diverged(f"in epoch {epoch}", np.inf)
            history.append(objective.value(theta))
            if not abs(history[-1]) <= limit:
                raise self._diverged(f"in epoch {epoch}", history[-1])
        self.loss_history_ = np.asarray(history)
        self.n_iter_ = self.n_epochs
        self.converged_ = False
        return theta


class LogisticRegression(_LinearClassifier):
    """Binary logistic regression, :math:`P(y = 1 \\mid x) = \\sigma(w^\\top x + b)`.

    Trained by minimising the mean negative log-likelihood (binary
    cross-entropy) of labels in {0, 1}, plus an optional L2 penalty.

    Parameters
    ----------
    lr : float, default 1.0
        Learning rate of gradient descent (or of SGD in mini-batch mode).
    max_steps : int, default 1000
        Largest number of full-batch gradient steps.
    eps : float, default 1e-6
        Full-batch training stops when :math:`|L_{t+k} - L_t| <` ``eps``.
    k : int, default 1
        Look-back of that stopping rule.
    l2 : float, default 0.0
        Strength :math:`\\lambda` of the penalty :math:`\\frac{\\lambda}{2}
        \\lVert W \\rVert^2` (the bias is not penalised).
    batch_size : int or None, default None
        None trains on the full batch with
        :func:`course.optim.gradient_descent`; an integer trains with
        mini-batch SGD of that batch size for ``n_epochs`` epochs instead
        (``max_steps``, ``eps`` and ``k`` are then unused).
    n_epochs : int, default 10
        Number of epochs in mini-batch mode.
    seed : int or None, default 0
        Seed of the mini-batch shuffling. The weights start at zero (the loss
        is convex), so full-batch training is deterministic.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Weights :math:`w`.
    intercept_ : float
        Bias :math:`b`.
    n_features_in_ : int
    loss_history_ : ndarray
        Training loss (mean NLL plus penalty) before training and after every
        step (full batch) or every epoch (mini-batch).
    n_iter_ : int
        Number of steps (full batch) or epochs (mini-batch) run.
    converged_ : bool
        True if the stopping rule ended full-batch training (always False in
        mini-batch mode, which runs a fixed number of epochs).
    """

    _loss = staticmethod(binary_cross_entropy_with_logits)
    _loss_gradient = staticmethod(binary_cross_entropy_with_logits_gradient)

    def fit(self, X, y) -> LogisticRegression:
        """Fit the weights to ``X`` and labels ``y`` in {0, 1}.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Labels 0 and 1.

        Returns
        -------
        self
        """
        X, y = check_X_y(X, y)
        return self._fit_from_zero(X, check_labels(y, n_classes=2).astype(X.dtype))

    def predict_proba(self, X) -> np.ndarray:
        """:math:`\\hat y = \\sigma(z)`, the probability of class 1.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return sigmoid(self.decision_function(X))

    def predict(self, X) -> np.ndarray:
        """Label 1 where :math:`\\hat y \\ge 0.5` (that is, :math:`z \\ge 0`), else 0.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int of shape (n_samples,)
        """
        return (self.decision_function(X) >= 0).astype(np.int64)


class SoftmaxRegression(_LinearClassifier):
    """Softmax regression: :math:`\\hat y = \\operatorname{softmax}(W x + b)`.

    Multinomial logistic regression (the softmax classifier), trained by
    minimising the mean cross-entropy of integer labels, plus an optional L2
    penalty. Predicts :math:`\\arg\\max_j \\hat y_j`.

    Parameters
    ----------
    lr : float, default 1.0
        Learning rate of gradient descent (or of SGD in mini-batch mode).
    max_steps : int, default 1000
        Largest number of full-batch gradient steps.
    eps : float, default 1e-6
        Full-batch training stops when :math:`|L_{t+k} - L_t| <` ``eps``.
    k : int, default 1
        Look-back of that stopping rule.
    l2 : float, default 0.0
        Strength :math:`\\lambda` of the penalty :math:`\\frac{\\lambda}{2}
        \\lVert W \\rVert^2` (the bias is not penalised).
    batch_size : int or None, default None
        None trains on the full batch with
        :func:`course.optim.gradient_descent`; an integer trains with
        mini-batch SGD of that batch size for ``n_epochs`` epochs instead
        (``max_steps``, ``eps`` and ``k`` are then unused).
    n_epochs : int, default 10
        Number of epochs in mini-batch mode.
    seed : int or None, default 0
        Seed of the mini-batch shuffling. The weights start at zero (the loss
        is convex), so full-batch training is deterministic.
    n_classes : int or None, default None
        Number of classes; labels must lie in ``[0, n_classes)``. By default
        ``max(y) + 1``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features)
        Weight matrix :math:`W`.
    intercept_ : ndarray of shape (n_classes,)
        Biases :math:`b`.
    n_classes_ : int
    n_features_in_ : int
    loss_history_ : ndarray
        Training loss (mean NLL plus penalty) before training and after every
        step (full batch) or every epoch (mini-batch).
    n_iter_ : int
        Number of steps (full batch) or epochs (mini-batch) run.
    converged_ : bool
        True if the stopping rule ended full-batch training (always False in
        mini-batch mode, which runs a fixed number of epochs).
    """

    _loss = staticmethod(cross_entropy)
    _loss_gradient = staticmethod(cross_entropy_gradient)

    def __init__(
        self,
        lr: float = 1.0,
        max_steps: int = 1000,
        eps: float = 1e-6,
        k: int = 1,
        l2: float = 0.0,
        batch_size: int | None = None,
        n_epochs: int = 10,
        seed: int | None = 0,
        n_classes: int | None = None,
    ) -> None:
        super().__init__(
            lr=lr,
            max_steps=max_steps,
            eps=eps,
            k=k,
            l2=l2,
            batch_size=batch_size,
            n_epochs=n_epochs,
            seed=seed,
        )
        self.n_classes = n_classes

    def fit(self, X, y) -> SoftmaxRegression:
        """Fit the weights to ``X`` and integer labels ``y``.

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

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities :math:`\\operatorname{softmax}(z)`, rows summing to 1.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return softmax(self.decision_function(X), axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable class for each row of ``X``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int of shape (n_samples,)
        """
        return self.decision_function(X).argmax(axis=1)
