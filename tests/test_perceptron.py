"""Tests for course.perceptron: binary, averaged and multi-class perceptrons, and
the rule one example at a time."""

import logging
import time

import numpy as np
import pytest

from course._validation import NotFittedError
from course.data import make_blobs
from course.perceptron import (
    AveragedPerceptron,
    MulticlassPerceptron,
    Perceptron,
    PerceptronTrace,
    PerceptronUpdate,
    perceptron_trace,
    perceptron_updates,
)

logger = logging.getLogger(__name__)

BOOLEAN_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def separable_data(rng, n=200, n_features=5, margin=0.3):
    """Points at distance > margin from a random hyperplane, labels {0, 1}."""
    w, b = rng.standard_normal(n_features), 0.5
    w /= np.linalg.norm(w)
    X = rng.uniform(-3, 3, size=(4 * n, n_features))
    score = X @ w + b
    keep = np.abs(score) > margin
    return X[keep][:n], (score[keep][:n] > 0).astype(int)


# --------------------------------------------------------------------------
# binary perceptron
# --------------------------------------------------------------------------


def test_hand_traced_updates():
    # theta = (w1, w2, b) = 0. Epoch 1:
    #   A = (2, 1), y = 0: score 0 -> f = 1, wrong: theta -= (2, 1, 1) -> (-2, -1, -1)
    #   B = (0, 2), y = 1: score -2 - 1 = -3 -> f = 0, wrong: theta += (0, 2, 1)
    #                      -> (-2, 1, 0)
    #   C = (1, 0), y = 0: score -2 -> f = 0, right.
    # Epoch 2: scores -3, 2, -2 -> all right, stop.
    X = np.array([[2.0, 1.0], [0.0, 2.0], [1.0, 0.0]])
    clf = Perceptron().fit(X, [0, 1, 0])
    np.testing.assert_array_equal(clf.coef_, [-2.0, 1.0])
    assert clf.intercept_ == 0.0
    assert clf.mistakes_per_epoch_ == [2, 0]
    assert clf.n_epochs_ == 2 and clf.converged_ and not clf.cycling_
    np.testing.assert_array_equal(clf.decision_function(X), [-3.0, 2.0, -2.0])


def test_hand_traced_average():
    # Same run: weights after each of the 6 examples visited are
    # (-2, -1, -1), then (-2, 1, 0) five times; their mean is (-2, 2/3, -1/6).
    X = np.array([[2.0, 1.0], [0.0, 2.0], [1.0, 0.0]])
    clf = Perceptron(averaged=True).fit(X, [0, 1, 0])
    np.testing.assert_allclose(clf.coef_, [-2.0, 2.0 / 3.0])
    assert clf.intercept_ == pytest.approx(-1.0 / 6.0)
    assert clf.mistakes_per_epoch_ == [2, 0]


def test_averaged_perceptron_class_is_the_averaged_option(rng):
    X, y = separable_data(rng)
    a = AveragedPerceptron(shuffle=True, seed=2).fit(X, y)
    b = Perceptron(averaged=True, shuffle=True, seed=2).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.intercept_ == b.intercept_ and a.averaged


@pytest.mark.parametrize(
    "name, y", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("NAND", [1, 1, 1, 0])]
)
def test_learns_linearly_separable_boolean_functions(name, y):
    clf = Perceptron().fit(BOOLEAN_INPUTS, y)
    assert clf.converged_ and not clf.cycling_, name
    np.testing.assert_array_equal(clf.predict(BOOLEAN_INPUTS), y)
    assert clf.score(BOOLEAN_INPUTS, y) == 1.0


def test_and_weights_by_hand():
    # The run for AND in the order (0,0), (0,1), (1,0), (1,1) ends at
    # w = (2, 1), b = -3 after epochs with 2, 3, 3, 2, 1 and 0 mistakes.
    clf = Perceptron().fit(BOOLEAN_INPUTS, [0, 0, 0, 1])
    np.testing.assert_array_equal(clf.coef_, [2.0, 1.0])
    assert clf.intercept_ == -3.0
    assert clf.mistakes_per_epoch_ == [2, 3, 3, 2, 1, 0]


@pytest.mark.parametrize("shuffle", [False, True])
def test_detects_cycling_on_xor_quickly(shuffle):
    y = [0, 1, 1, 0]
    clf = Perceptron(n_epochs=10_000, shuffle=shuffle, seed=0).fit(BOOLEAN_INPUTS, y)
    assert clf.cycling_ and not clf.converged_
    assert clf.n_epochs_ <= 20
    assert all(m > 0 for m in clf.mistakes_per_epoch_)
    assert clf.score(BOOLEAN_INPUTS, y) < 1.0


def test_xor_in_order_cycle_by_hand():
    # Visiting (0,0), (0,1), (1,0), (1,1) with theta = (w1, w2, b):
    # epoch 1: (0,0,0) -> (0,0,-1) -> (0,1,0) -> [right] -> (-1,0,-1), 3 mistakes;
    # epoch 2: [right] -> (-1,1,0) -> (0,1,1) -> (-1,0,0), 3 mistakes;
    # epoch 3: (-1,0,-1) -> (-1,1,0) -> (0,1,1) -> (-1,0,0), 4 mistakes, back at
    # the state that ended epoch 2: the run would repeat epoch 3 forever.
    clf = Perceptron().fit(BOOLEAN_INPUTS, [0, 1, 1, 0])
    assert clf.mistakes_per_epoch_ == [3, 3, 4]
    assert clf.cycling_ and clf.n_epochs_ == 3
    np.testing.assert_array_equal(clf.coef_, [-1.0, 0.0])
    assert clf.intercept_ == 0.0


def test_converges_on_separable_data(rng):
    X, y = separable_data(rng)
    clf = Perceptron(n_epochs=1000).fit(X, y)
    assert clf.converged_ and not clf.cycling_
    assert clf.mistakes_per_epoch_[-1] == 0
    assert clf.score(X, y) == 1.0
    assert len(clf.mistakes_per_epoch_) == clf.n_epochs_


def test_block_scan_matches_the_per_example_rule(rng):
    # Small integer inputs keep every score exact, so the two must agree bit
    # for bit, also when the data are not separable.
    X = rng.integers(-3, 4, size=(60, 4)).astype(float)
    y = rng.integers(0, 2, size=60)
    clf = Perceptron(n_epochs=7).fit(X, y)
    trace = perceptron_trace(X, y, n_epochs=7)
    assert clf.mistakes_per_epoch_ == trace.mistakes_per_epoch.tolist()
    np.testing.assert_array_equal(np.append(clf.coef_, clf.intercept_), trace.theta[-1])


def test_plus_minus_one_labels_give_the_same_boundary(rng):
    X, y01 = separable_data(rng)
    ypm = 2 * y01 - 1
    a = Perceptron().fit(X, y01)
    b = Perceptron().fit(X, ypm)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.intercept_ == b.intercept_
    np.testing.assert_array_equal(a.classes_, [0, 1])
    np.testing.assert_array_equal(b.classes_, [-1, 1])
    np.testing.assert_array_equal(b.predict(X), 2 * a.predict(X) - 1)
    assert set(np.unique(b.predict(X))) == {-1, 1}


def test_learning_rate_rescales_weights_only(rng):
    X, y = separable_data(rng)
    a = Perceptron(lr=1.0).fit(X, y)
    b = Perceptron(lr=0.25).fit(X, y)
    np.testing.assert_allclose(b.coef_, 0.25 * a.coef_)
    assert b.mistakes_per_epoch_ == a.mistakes_per_epoch_
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_shuffling_is_seeded(rng):
    X = rng.integers(-3, 4, size=(50, 3)).astype(float)
    y = rng.integers(0, 2, size=50)
    a = Perceptron(n_epochs=5, shuffle=True, seed=7).fit(X, y)
    b = Perceptron(n_epochs=5, shuffle=True, seed=7).fit(X, y)
    c = Perceptron(n_epochs=5, shuffle=False).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.mistakes_per_epoch_ == b.mistakes_per_epoch_
    assert a.mistakes_per_epoch_ != c.mistakes_per_epoch_


def test_n_epochs_caps_training(rng):
    X = rng.standard_normal((40, 3))
    y = rng.integers(0, 2, size=40)
    clf = Perceptron(n_epochs=3).fit(X, y)
    assert clf.n_epochs_ == 3 and not clf.converged_


def test_bool_and_float_labels_are_accepted():
    clf = Perceptron().fit(BOOLEAN_INPUTS, np.array([0.0, 0.0, 0.0, 1.0]))
    np.testing.assert_array_equal(clf.predict(BOOLEAN_INPUTS), [0, 0, 0, 1])
    clf = Perceptron().fit(BOOLEAN_INPUTS, np.array([False, True, True, True]))
    np.testing.assert_array_equal(clf.predict(BOOLEAN_INPUTS), [0, 1, 1, 1])


def test_large_inputs_raise_no_warnings():
    X = 1e4 * np.array([[1.0, 1.0], [-1.0, -1.0], [2.0, 1.0], [-1.0, -2.0]])
    clf = Perceptron().fit(X, [1, 0, 1, 0])
    assert clf.converged_
    np.testing.assert_array_equal(clf.predict(X), [1, 0, 1, 0])
    assert np.all(np.isfinite(clf.decision_function(X)))


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        (
            np.zeros(4),
            [0, 1, 0, 1],
            ValueError,
            r"X must be a 2-D array of shape \(n_samples, n_features\)",
        ),
        (np.zeros((4, 2)), [0, 1, 0], ValueError, "X has 4 and y has 3"),
        (np.zeros((0, 2)), [], ValueError, "X must contain at least one sample"),
        (
            [[0, np.nan], [1, 1]],
            [0, 1],
            ValueError,
            "X must contain only finite values, but got 1 NaN or infinite",
        ),
        ([[0, np.inf], [1, 1]], [0, 1], ValueError, "X must contain only finite"),
        (
            np.zeros((3, 2)),
            [0, 1, 2],
            ValueError,
            r"y must contain exactly the two labels \{0, 1\} or \{-1, 1\}, but got "
            r"the labels \[0, 1, 2\]",
        ),
        (np.zeros((3, 2)), [-1, 0, 1], ValueError, r"but got the labels \[-1, 0, 1\]"),
        (np.zeros((2, 2)), [1, 1], ValueError, r"but got the labels \[1\]"),
        (
            np.zeros((2, 2)),
            [0.0, np.nan],
            ValueError,
            r"the two labels \{0, 1\} or \{-1, 1\}, but got the labels \[0.0, nan\]",
        ),
        (
            np.zeros((2, 2)),
            [[0], [1]],
            ValueError,
            r"y must be a 1-D array of labels, but got an array of shape \(2, 1\)",
        ),
        (np.zeros((2, 2)), ["a", "b"], TypeError, "y must contain numbers, but got"),
        ("abc", [0, 1], TypeError, "X must be array-like of numbers"),
    ],
)
def test_perceptron_rejects_bad_training_data(X, y, error, match):
    with pytest.raises(error, match=match):
        Perceptron().fit(X, y)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"lr": 0}, ValueError, "lr must be > 0, but got 0"),
        ({"lr": -1.0}, ValueError, r"lr must be > 0, but got -1.0"),
        ({"n_epochs": 0}, ValueError, "n_epochs must be > 0, but got 0"),
        ({"n_epochs": 2.5}, TypeError, "n_epochs must be an integer, but got 2.5"),
    ],
)
def test_perceptron_rejects_bad_hyperparameters(params, error, match):
    with pytest.raises(error, match=match):
        Perceptron(**params).fit(BOOLEAN_INPUTS, [0, 0, 0, 1])


def test_perceptron_predict_checks():
    with pytest.raises(NotFittedError, match="This Perceptron instance is not fitted"):
        Perceptron().predict(BOOLEAN_INPUTS)
    clf = Perceptron().fit(BOOLEAN_INPUTS, [0, 0, 0, 1])
    with pytest.raises(ValueError, match="X has 3 features, but Perceptron was fitted"):
        clf.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="X must contain only finite values"):
        clf.decision_function([[np.nan, 0.0]])
    with pytest.raises(ValueError, match=r"Reshape a single sample with"):
        clf.predict([0.0, 1.0])
    with pytest.raises(ValueError, match="X has 4 and y has 2"):
        clf.score(BOOLEAN_INPUTS, [0, 1])


# --------------------------------------------------------------------------
# multi-class perceptron
# --------------------------------------------------------------------------


def test_multiclass_hand_traced_updates():
    # Rows of W are (w1, w2, b); all start at 0, ties go to the lowest class.
    # Epoch 1: (1, 0) class 0: scores (0, 0, 0) -> 0, right.
    #   (0, 1) class 1: scores 0 -> predicted 0: W1 += (0, 1, 1), W0 -= (0, 1, 1).
    #   (-1, -1) class 2: scores (0, 0, 0) -> 0: W2 += (-1, -1, 1),
    #   W0 -= (-1, -1, 1) -> W0 = (1, 0, -2).
    # Epoch 2: (1, 0): scores (-1, 1, 0) -> 1, wrong: W0 += (1, 0, 1) = (2, 0, -1),
    #   W1 -= (1, 0, 1) = (-1, 1, 0); the other two are then right.
    # Epoch 3: scores (1, -1, 0), (-1, 1, 0), (-3, 0, 3): all right.
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    clf = MulticlassPerceptron().fit(X, [0, 1, 2])
    np.testing.assert_array_equal(clf.coef_, [[2, 0], [-1, 1], [-1, -1]])
    np.testing.assert_array_equal(clf.intercept_, [-1, 0, 1])
    assert clf.mistakes_per_epoch_ == [2, 1, 0]
    assert clf.converged_ and clf.n_classes_ == 3
    np.testing.assert_array_equal(
        clf.decision_function(X), [[1, -1, 0], [-1, 1, 0], [-3, 0, 3]]
    )
    np.testing.assert_array_equal(clf.predict(X), [0, 1, 2])


def test_multiclass_block_scan_matches_the_per_example_rule(rng):
    X = rng.integers(-2, 3, size=(80, 5)).astype(float)
    y = rng.integers(0, 4, size=80)
    clf = MulticlassPerceptron(n_epochs=6).fit(X, y)
    trace = perceptron_trace(X, y, n_epochs=6, multiclass=True, n_classes=4)
    assert clf.mistakes_per_epoch_ == trace.mistakes_per_epoch.tolist()
    np.testing.assert_array_equal(clf.coef_, trace.theta[-1][:, :-1])
    np.testing.assert_array_equal(clf.intercept_, trace.theta[-1][:, -1])


def test_multiclass_averaged_matches_mean_of_weights(rng):
    X = rng.integers(-2, 3, size=(30, 3)).astype(float)
    y = rng.integers(0, 3, size=30)
    clf = MulticlassPerceptron(n_epochs=4, averaged=True).fit(X, y)
    # Average the weights held after every example visited: theta[k] is held
    # from the visit that made it (theta[0] from the first) until the next update.
    trace = perceptron_trace(X, y, n_epochs=clf.n_epochs_, multiclass=True)
    n_visits = clf.n_epochs_ * len(X)
    made_at = (trace.epoch - 1) * len(X) + trace.index + 1
    held = np.diff(np.concatenate([[1], made_at, [n_visits + 1]]))
    assert held.sum() == n_visits
    mean = np.tensordot(held, trace.theta, axes=1) / n_visits
    np.testing.assert_allclose(clf.coef_, mean[:, :-1], atol=1e-12)
    np.testing.assert_allclose(clf.intercept_, mean[:, -1], atol=1e-12)


def test_multiclass_separable_blobs_converge(rng):
    centers = np.array([[0.0, 5.0], [5.0, 0.0], [-5.0, -5.0]])
    y = np.repeat(np.arange(3), 40)
    X = centers[y] + rng.uniform(-1, 1, size=(120, 2))
    clf = MulticlassPerceptron(shuffle=True, seed=0).fit(X, y)
    assert clf.converged_ and clf.score(X, y) == 1.0


def test_multiclass_detects_cycling(rng):
    # XOR as two classes: opposite corners share a class, so no pair of weight
    # vectors separates them.
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    clf = MulticlassPerceptron(n_epochs=10_000).fit(X, [0, 0, 1, 1])
    assert clf.cycling_ and not clf.converged_ and clf.n_epochs_ <= 50


def test_multiclass_n_classes_option():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    clf = MulticlassPerceptron(n_classes=5).fit(X, [0, 1])
    assert clf.coef_.shape == (5, 2) and clf.intercept_.shape == (5,)
    assert clf.decision_function(X).shape == (2, 5)


def test_multiclass_predict_checks():
    with pytest.raises(NotFittedError, match="MulticlassPerceptron instance is not"):
        MulticlassPerceptron().decision_function(np.zeros((1, 2)))
    clf = MulticlassPerceptron().fit(np.eye(3), [0, 1, 2])
    with pytest.raises(
        ValueError, match="X has 2 features, but MulticlassPerceptron was fitted with 3"
    ):
        clf.predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="X must contain at least one sample"):
        clf.predict(np.zeros((0, 3)))


@pytest.mark.slow
def test_multiclass_perceptron_on_mnist(mnist):
    # The lectures quote about 85% for perceptrons on MNIST. Trained on the
    # training files only, scored once on the test files.
    start = time.perf_counter()
    clf = MulticlassPerceptron(n_epochs=5).fit(mnist.X_train, mnist.y_train)
    seconds = time.perf_counter() - start
    accuracy = clf.score(mnist.X_test, mnist.y_test)
    logger.info(
        "multi-class perceptron, 5 epochs on %d images: %.2f s, test accuracy %.4f",
        len(mnist.X_train),
        seconds,
        accuracy,
    )
    assert accuracy >= 0.85
    assert clf.coef_.shape == (10, 784) and clf.n_epochs_ == 5

    start = time.perf_counter()
    avg = MulticlassPerceptron(n_epochs=5, averaged=True).fit(
        mnist.X_train, mnist.y_train
    )
    avg_accuracy = avg.score(mnist.X_test, mnist.y_test)
    logger.info(
        "averaged multi-class perceptron, 5 epochs: %.2f s, test accuracy %.4f",
        time.perf_counter() - start,
        avg_accuracy,
    )
    assert avg_accuracy >= 0.90


@pytest.mark.parametrize(
    "y, params, error, match",
    [
        (
            [0, 1, 3],
            {"n_classes": 3},
            ValueError,
            r"labels in \[0, 2\], but got labels",
        ),
        (
            [-1, 0, 1],
            {},
            ValueError,
            r"labels in \[0, 1\], but got labels in \[-1, 1\]",
        ),
        ([0, 1.5, 1], {}, ValueError, "y must contain integer class labels"),
        (["a", "b", "c"], {}, TypeError, "integer class labels, but got dtype <U1"),
        ([0, 1, 1], {"n_classes": 1}, ValueError, "n_classes must be >= 2, but got 1"),
        ([0, 1, 1], {"n_classes": 2.0}, TypeError, "n_classes must be an integer"),
        ([0, 1], {}, ValueError, "X has 3 and y has 2"),
        ([[0], [1], [1]], {}, ValueError, "y must be a 1-D array of class labels"),
    ],
)
def test_multiclass_rejects_bad_labels(y, params, error, match):
    with pytest.raises(error, match=match):
        MulticlassPerceptron(**params).fit(np.zeros((3, 2)), y)


# --------------------------------------------------------------------------
# the rule one example at a time: perceptron_updates and perceptron_trace
# --------------------------------------------------------------------------


def test_trace_of_the_and_gate_by_hand():
    trace = perceptron_trace(BOOLEAN_INPUTS, [0, 0, 0, 1])
    assert isinstance(trace, PerceptronTrace)
    # Epoch 1: theta = 0 fires on (0, 0) -> subtract; (1, 1) missed -> add; ...
    np.testing.assert_array_equal(trace.theta[1], [0.0, 0.0, -1.0])
    np.testing.assert_array_equal(trace.theta[2], [1.0, 1.0, 0.0])
    assert trace.index[:2].tolist() == [0, 3]
    assert trace.converged
    assert trace.n_errors[-1] == 0
    # the epochs of test_and_weights_by_hand
    assert trace.mistakes_per_epoch.tolist() == [2, 3, 3, 2, 1, 0]


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_trace_ends_at_the_weights_of_the_perceptron_class(seed):
    X, y = make_blobs(40, centers=[[1, 1], [3, 3]], cluster_std=0.5, seed=seed)
    trace = perceptron_trace(X, y, lr=0.5, n_epochs=20)
    clf = Perceptron(lr=0.5, n_epochs=20).fit(X, y)
    assert trace.converged and clf.converged_
    np.testing.assert_allclose(trace.theta[-1], [*clf.coef_, clf.intercept_])


def test_every_traced_update_fixes_a_point_that_was_wrong():
    X, y = make_blobs(40, centers=[[1, 1], [3, 3]], cluster_std=0.5, seed=3)
    trace = perceptron_trace(X, y)
    Xa = np.column_stack([X, np.ones(len(X))])
    for k, i in enumerate(trace.index):
        before = Xa[i] @ trace.theta[k] >= 0
        assert before != (y[i] == 1)
        np.testing.assert_allclose(
            trace.theta[k + 1] - trace.theta[k], (1 if y[i] == 1 else -1) * Xa[i]
        )
    assert len(trace.theta) == len(trace.index) + 1 == len(trace.n_errors)
    assert trace.epoch.tolist() == sorted(trace.epoch.tolist())


def test_trace_of_xor_never_converges():
    trace = perceptron_trace(BOOLEAN_INPUTS, [0, 1, 1, 0], n_epochs=5)
    assert not trace.converged
    assert len(trace.mistakes_per_epoch) == 5
    assert trace.n_errors.min() >= 1


def test_trace_with_labels_minus_one_one_is_the_same():
    a = perceptron_trace(BOOLEAN_INPUTS, [0, 0, 0, 1])
    b = perceptron_trace(BOOLEAN_INPUTS, [-1, -1, -1, 1])
    np.testing.assert_array_equal(a.theta, b.theta)


def test_multiclass_trace_by_hand():
    # The run of test_multiclass_hand_traced_updates, state by state.
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    trace = perceptron_trace(X, [0, 1, 2], multiclass=True)
    assert trace.theta.shape == (4, 3, 3)
    np.testing.assert_array_equal(trace.theta[1], [[0, -1, -1], [0, 1, 1], [0, 0, 0]])
    np.testing.assert_array_equal(
        trace.theta[-1], [[2, 0, -1], [-1, 1, 0], [-1, -1, 1]]
    )
    assert trace.index.tolist() == [1, 2, 0] and trace.epoch.tolist() == [1, 1, 2]
    assert trace.n_errors.tolist() == [2, 2, 1, 0]
    assert trace.mistakes_per_epoch.tolist() == [2, 1, 0] and trace.converged


def test_a_trace_without_updates_has_converged_after_one_epoch():
    # Zero weights predict class 0 for every point, which is right here.
    trace = perceptron_trace(np.eye(3), [0, 0, 0], multiclass=True, n_classes=3)
    assert trace.theta.shape == (1, 3, 4) and not trace.theta.any()
    assert trace.index.size == 0 and trace.n_errors.tolist() == [0]
    assert trace.mistakes_per_epoch.tolist() == [0] and trace.converged


def test_updates_are_yielded_one_at_a_time_as_new_arrays():
    updates = perceptron_updates(BOOLEAN_INPUTS, [0, 0, 0, 1], lr=0.5)
    first = next(updates)
    assert isinstance(first, PerceptronUpdate)
    assert (first.epoch, first.index) == (1, 0)
    np.testing.assert_array_equal(first.theta, [0.0, 0.0, -0.5])
    second = next(updates)
    np.testing.assert_array_equal(first.theta, [0.0, 0.0, -0.5])  # not overwritten
    np.testing.assert_array_equal(second.theta, [0.5, 0.5, 0.0])
    rest = list(updates)
    assert len(rest) == 2 + 3 + 3 + 2 + 1 - 2
    np.testing.assert_array_equal(rest[-1].theta, [1.0, 0.5, -1.5])


def test_updates_keep_float32():
    X = BOOLEAN_INPUTS.astype(np.float32)
    *_, last = perceptron_updates(X, [0, 1, 2, 1], multiclass=True)
    assert last.theta.dtype == np.float32 and last.theta.shape == (3, 3)


@pytest.mark.parametrize(
    "y, params, error, match",
    [
        ([0, 2, 0, 2], {}, ValueError, r"\{0, 1\} or \{-1, 1\}, but got the labels"),
        (
            [0, 1, 0, 1],
            {"n_classes": 2},
            ValueError,
            r"pass multiclass=True with it, but got n_classes=2 with multiclass=False",
        ),
        ([0, 1, 0, 1], {"lr": 0}, ValueError, "lr must be > 0, but got 0"),
        ([0, 1, 0, 1], {"n_epochs": 1.5}, TypeError, "n_epochs must be an integer"),
        (
            [0, 1, 3, 1],
            {"multiclass": True, "n_classes": 3},
            ValueError,
            r"labels in \[0, 2\], but got labels in \[0, 3\]",
        ),
    ],
)
def test_updates_check_their_arguments_when_called(y, params, error, match):
    with pytest.raises(error, match=match):
        perceptron_updates(BOOLEAN_INPUTS, y, **params)  # before any iteration
    with pytest.raises(error, match=match):
        perceptron_trace(BOOLEAN_INPUTS, y, **params)
