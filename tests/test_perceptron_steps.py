"""Tests for course.perceptron_steps: the perceptron rule recorded step by step."""

import numpy as np
import pytest

from course.data import make_blobs
from course.perceptron import Perceptron
from course.perceptron_steps import perceptron_trace

AND_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def test_and_gate_by_hand():
    trace = perceptron_trace(AND_X, [0, 0, 0, 1])
    # Epoch 1: theta = 0 fires on (0, 0) -> subtract; (1, 1) missed -> add; ...
    np.testing.assert_array_equal(trace.theta[1], [0.0, 0.0, -1.0])
    np.testing.assert_array_equal(trace.theta[2], [1.0, 1.0, 0.0])
    assert trace.index[:2].tolist() == [0, 3]
    assert trace.converged
    assert trace.n_errors[-1] == 0
    assert trace.mistakes_per_epoch[-1] == 0


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_final_weights_are_those_of_the_perceptron_class(seed):
    X, y = make_blobs(40, centers=[[1, 1], [3, 3]], cluster_std=0.5, seed=seed)
    trace = perceptron_trace(X, y, lr=0.5, n_epochs=20)
    clf = Perceptron(lr=0.5, n_epochs=20).fit(X, y)
    assert trace.converged and clf.converged_
    np.testing.assert_allclose(trace.theta[-1], [*clf.coef_, clf.intercept_])


def test_every_update_fixes_a_point_that_was_wrong():
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


def test_xor_never_converges():
    trace = perceptron_trace(AND_X, [0, 1, 1, 0], n_epochs=5)
    assert not trace.converged
    assert len(trace.mistakes_per_epoch) == 5
    assert trace.n_errors.min() >= 1


def test_labels_minus_one_one_give_the_same_trace():
    a = perceptron_trace(AND_X, [0, 0, 0, 1])
    b = perceptron_trace(AND_X, [-1, -1, -1, 1])
    np.testing.assert_array_equal(a.theta, b.theta)


def test_labels_must_be_a_binary_alphabet():
    with pytest.raises(
        ValueError, match=r"\{0, 1\} or \{-1, 1\}, but got the labels \[0, 2\]"
    ):
        perceptron_trace(AND_X, [0, 2, 0, 2])
