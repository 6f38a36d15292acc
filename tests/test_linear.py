"""Tests for course.linear: logistic and softmax regression."""

import logging
import time

import numpy as np
import pytest

from course._validation import NotFittedError
from course.gradcheck import check_gradient
from course.linear import LinearObjective, LogisticRegression, SoftmaxRegression
from course.losses import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    cross_entropy,
    cross_entropy_gradient,
)

logger = logging.getLogger(__name__)


def two_blobs(rng, n=100, gap=4.0):
    """Two well-separated 2-D clusters, labels {0, 1}."""
    y = np.repeat([0, 1], n // 2)
    X = rng.standard_normal((n, 2)) * 0.7 + np.where(y[:, None] == 1, gap, 0.0)
    return X, y


def three_blobs(rng, n=150):
    centers = np.array([[0.0, 4.0], [4.0, 0.0], [-4.0, -4.0]])
    y = np.repeat(np.arange(3), n // 3)
    return centers[y] + rng.standard_normal((n, 2)), y


def logistic_objective(X, y, l2=0.0):
    return LinearObjective(
        X,
        y.astype(float),
        binary_cross_entropy_with_logits,
        binary_cross_entropy_with_logits_gradient,
        l2,
    )


# --------------------------------------------------------------------------
# the objective and its gradient
# --------------------------------------------------------------------------


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_nll_gradient_check(rng, l2):
    X = rng.standard_normal((12, 4))
    y = rng.integers(0, 2, size=12)
    objective = logistic_objective(X, y, l2)
    theta = rng.standard_normal(5)
    assert check_gradient(objective.value, objective.gradient, theta) <= 1e-7


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_softmax_regression_loss_gradient_check(rng, l2):
    X = rng.standard_normal((15, 4))
    y = rng.integers(0, 3, size=15)
    objective = LinearObjective(X, y, cross_entropy, cross_entropy_gradient, l2)
    theta = rng.standard_normal((3, 5))
    assert check_gradient(objective.value, objective.gradient, theta) <= 1e-7


def test_nll_matches_the_maximum_likelihood_formula(rng):
    # L = -(1/n) sum [y log y_hat + (1 - y) log(1 - y_hat)], y_hat = sigma(w.x + b),
    # and its gradient (1/n) sum (y_hat - y) x, written out directly.
    X = rng.standard_normal((10, 3))
    y = rng.integers(0, 2, size=10)
    w, b = rng.standard_normal(3), 0.3
    y_hat = 1 / (1 + np.exp(-(X @ w + b)))
    nll = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    objective = logistic_objective(X, y)
    theta = np.append(w, b)
    assert objective.value(theta) == pytest.approx(nll, rel=1e-12)
    grad = objective.gradient(theta)
    np.testing.assert_allclose(grad[:-1], X.T @ (y_hat - y) / 10, rtol=1e-12)
    assert grad[-1] == pytest.approx(np.mean(y_hat - y), rel=1e-12)


def test_l2_penalty_leaves_the_bias_alone(rng):
    X = rng.standard_normal((8, 2))
    y = rng.integers(0, 2, size=8)
    theta = np.array([1.0, -2.0, 3.0])
    plain, penalised = logistic_objective(X, y), logistic_objective(X, y, l2=0.5)
    assert penalised.value(theta) - plain.value(theta) == pytest.approx(
        0.25 * (1.0 + 4.0)
    )
    diff = penalised.gradient(theta) - plain.gradient(theta)
    np.testing.assert_allclose(diff, [0.5, -1.0, 0.0])


def test_objective_reuses_scores_at_the_same_point(rng):
    X = rng.standard_normal((5, 2))
    objective = logistic_objective(X, np.array([0, 1, 0, 1, 1]))
    theta = np.array([0.5, -0.5, 0.1])
    first = objective.scores(theta)
    assert objective.scores(theta.copy()) is first
    theta[0] += 1e-9  # a perturbed point is a new point
    assert objective.scores(theta) is not first


# --------------------------------------------------------------------------
# logistic regression
# --------------------------------------------------------------------------


def test_logistic_regression_separable_2d(rng):
    X, y = two_blobs(rng)
    clf = LogisticRegression(lr=0.5, max_steps=300).fit(X, y)
    assert clf.score(X, y) == 1.0
    np.testing.assert_array_equal(clf.predict(X), y)
    # Zero weights predict 1/2 everywhere: the first loss is log 2.
    assert clf.loss_history_[0] == pytest.approx(np.log(2))
    assert np.all(np.diff(clf.loss_history_) < 0)
    assert clf.loss_history_.shape == (clf.n_iter_ + 1,)
    proba = clf.predict_proba(X)
    assert proba.shape == (100,) and np.all((proba > 0) & (proba < 1))
    np.testing.assert_array_equal(proba >= 0.5, clf.predict(X) == 1)
    assert clf.coef_.shape == (2,) and isinstance(clf.intercept_, float)


def test_logistic_regression_with_l2_reaches_a_stationary_point(rng):
    X, y = two_blobs(rng, gap=1.0)
    clf = LogisticRegression(lr=0.5, l2=0.1, eps=1e-14, max_steps=5000).fit(X, y)
    assert clf.converged_
    objective = logistic_objective(X, y, l2=0.1)
    theta = np.append(clf.coef_, clf.intercept_)
    assert np.max(np.abs(objective.gradient(theta))) < 1e-6


def test_stopping_rule_is_used(rng):
    X, y = two_blobs(rng, gap=1.0)
    loose = LogisticRegression(eps=1e-3).fit(X, y)
    tight = LogisticRegression(eps=1e-8).fit(X, y)
    assert loose.converged_ and loose.n_iter_ < tight.n_iter_
    h = loose.loss_history_
    assert abs(h[-1] - h[-2]) < 1e-3 <= abs(h[-2] - h[-3])


def test_logistic_regression_mini_batch(rng):
    X, y = two_blobs(rng)
    clf = LogisticRegression(lr=0.5, batch_size=16, n_epochs=20, seed=3).fit(X, y)
    assert clf.score(X, y) == 1.0
    assert clf.loss_history_.shape == (21,) and clf.n_iter_ == 20
    assert clf.loss_history_[-1] < 0.1 and not clf.converged_
    again = LogisticRegression(lr=0.5, batch_size=16, n_epochs=20, seed=3).fit(X, y)
    np.testing.assert_array_equal(clf.coef_, again.coef_)


def test_softmax_with_two_classes_is_logistic_regression(rng):
    # With zero initial weights the two rows of W stay opposite, and the
    # softmax of (z0, z1) is sigmoid(z1 - z0): softmax regression with lr is
    # logistic regression with 2 lr on w = w1 - w0.
    X, y = two_blobs(rng, gap=1.5)
    soft = SoftmaxRegression(lr=0.25, max_steps=40).fit(X, y)
    logistic = LogisticRegression(lr=0.5, max_steps=40).fit(X, y)
    np.testing.assert_allclose(soft.coef_[1] - soft.coef_[0], logistic.coef_)
    np.testing.assert_allclose(soft.loss_history_, logistic.loss_history_)
    np.testing.assert_allclose(soft.predict_proba(X)[:, 1], logistic.predict_proba(X))


def test_large_scores_are_stable(rng):
    X, y = two_blobs(rng)
    clf = LogisticRegression(max_steps=50).fit(X, y)
    proba = clf.predict_proba(1e4 * X)
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    soft = SoftmaxRegression(max_steps=50).fit(X, y)
    np.testing.assert_allclose(soft.predict_proba(1e4 * X).sum(axis=1), 1.0)


@pytest.mark.parametrize("batch_size", [None, 10])
def test_divergence_is_reported(rng, batch_size):
    # With l2 = 1 and lr = 5 each step multiplies the weights by 1 - 5 = -4.
    X, y = two_blobs(rng)
    clf = LogisticRegression(lr=5.0, l2=1.0, batch_size=batch_size)
    with pytest.raises(ValueError, match=r"Training diverged .*: lower lr \(got 5.0\)"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        (
            np.zeros((3, 2)),
            [-1, 1, 1],
            ValueError,
            r"y must contain labels in \[0, 1\], but got labels in \[-1, 1\]",
        ),
        (np.zeros((3, 2)), [0, 2, 1], ValueError, r"labels in \[0, 1\], but got"),
        (np.zeros((3, 2)), [0, 0.5, 1], ValueError, "integer class labels"),
        (np.zeros((3, 2)), [0, 1], ValueError, "X has 3 and y has 2"),
        (np.zeros((0, 2)), [], ValueError, "X must contain at least one sample"),
        (np.zeros((3, 0)), [0, 1, 0], ValueError, "X must contain at least one feat"),
        ([[np.nan, 1], [0, 1]], [0, 1], ValueError, "X must contain only finite"),
        ([[np.inf, 1], [0, 1]], [0, 1], ValueError, "X must contain only finite"),
        (np.zeros(3), [0, 1, 0], ValueError, "X must be a 2-D array"),
        (np.zeros((2, 2)), [[0], [1]], ValueError, "y must be a 1-D array"),
    ],
)
def test_logistic_regression_rejects_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        LogisticRegression().fit(X, y)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"lr": 0.0}, ValueError, r"lr must be > 0, but got 0.0"),
        ({"max_steps": 0}, ValueError, "max_steps must be > 0, but got 0"),
        ({"eps": -1.0}, ValueError, r"eps must be > 0, but got -1.0"),
        ({"k": 0}, ValueError, "k must be > 0, but got 0"),
        ({"l2": -0.1}, ValueError, r"l2 must be >= 0, but got -0.1"),
        ({"batch_size": 0}, ValueError, "batch_size must be > 0, but got 0"),
        ({"batch_size": 8.0}, TypeError, "batch_size must be an integer"),
        ({"batch_size": 8, "n_epochs": 0}, ValueError, "n_epochs must be > 0"),
    ],
)
def test_linear_models_reject_bad_hyperparameters(params, error, match):
    X, y = np.eye(2), [0, 1]
    with pytest.raises(error, match=match):
        LogisticRegression(**params).fit(X, y)
    with pytest.raises(error, match=match):
        SoftmaxRegression(**params).fit(X, y)


@pytest.mark.parametrize("model", [LogisticRegression, SoftmaxRegression])
def test_predict_checks(model):
    name = model.__name__
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted"):
        model().predict(np.zeros((1, 2)))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model().predict_proba(np.zeros((1, 2)))
    clf = model(max_steps=5).fit(np.eye(2), [0, 1])
    with pytest.raises(ValueError, match=f"X has 3 features, but {name} was fitted"):
        clf.predict_proba(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Reshape a single sample"):
        clf.predict(np.zeros(2))
    with pytest.raises(ValueError, match="X must contain only finite values"):
        clf.decision_function([[np.nan, 0.0]])
    with pytest.raises(ValueError, match="X has 2 and y has 1"):
        clf.score(np.eye(2), [0])


# --------------------------------------------------------------------------
# softmax regression
# --------------------------------------------------------------------------


def test_softmax_regression_three_blobs(rng):
    X, y = three_blobs(rng)
    clf = SoftmaxRegression(lr=0.5, max_steps=300).fit(X, y)
    assert clf.score(X, y) >= 0.98
    assert clf.coef_.shape == (3, 2) and clf.intercept_.shape == (3,)
    assert clf.n_classes_ == 3
    assert clf.loss_history_[0] == pytest.approx(np.log(3))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), clf.predict(X))


def test_softmax_regression_mini_batch_and_float32(rng):
    X, y = three_blobs(rng)
    clf = SoftmaxRegression(lr=0.2, batch_size=20, n_epochs=15).fit(
        X.astype(np.float32), y
    )
    assert clf.coef_.dtype == np.float32
    assert clf.score(X, y) >= 0.98


def test_softmax_n_classes_option(rng):
    X, y = three_blobs(rng, n=30)
    clf = SoftmaxRegression(n_classes=5, max_steps=20).fit(X, y)
    assert clf.coef_.shape == (5, 2)
    assert clf.predict_proba(X).shape == (30, 5)


@pytest.mark.parametrize(
    "y, params, error, match",
    [
        ([0, 1, 3], {"n_classes": 3}, ValueError, r"labels in \[0, 2\], but got"),
        (
            [0, -1, 1],
            {},
            ValueError,
            r"labels in \[0, 1\], but got labels in \[-1, 1\]",
        ),
        ([0, 1, 1], {"n_classes": 1}, ValueError, "n_classes must be >= 2, but got 1"),
        (["a", "b", "c"], {}, TypeError, "integer class labels, but got dtype"),
    ],
)
def test_softmax_regression_rejects_bad_labels(y, params, error, match):
    with pytest.raises(error, match=match):
        SoftmaxRegression(**params).fit(np.zeros((3, 2)), y)


@pytest.mark.slow
def test_softmax_regression_on_mnist_full_batch(mnist):
    start = time.perf_counter()
    clf = SoftmaxRegression(lr=2.0, max_steps=150).fit(mnist.X_train, mnist.y_train)
    seconds = time.perf_counter() - start
    accuracy = clf.score(mnist.X_test, mnist.y_test)
    logger.info(
        "softmax regression, 150 full-batch steps: %.1f s, test accuracy %.4f",
        seconds,
        accuracy,
    )
    assert accuracy >= 0.91
    assert clf.n_iter_ == 150 and clf.coef_.dtype == np.float32


@pytest.mark.slow
def test_softmax_regression_on_mnist_mini_batch(mnist):
    start = time.perf_counter()
    clf = SoftmaxRegression(lr=0.2, batch_size=64, n_epochs=10).fit(
        mnist.X_train, mnist.y_train
    )
    seconds = time.perf_counter() - start
    accuracy = clf.score(mnist.X_test, mnist.y_test)
    logger.info(
        "softmax regression, 10 epochs of batches of 64: %.1f s, test accuracy %.4f",
        seconds,
        accuracy,
    )
    assert accuracy >= 0.91
    assert np.all(np.diff(clf.loss_history_[:3]) < 0)
