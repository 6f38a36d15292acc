"""Tests for course.data.split: train/validation splits."""

import numpy as np
import pytest

from course.data import train_val_split


def ids_and_labels(n, n_classes=3):
    """Rows that carry their own index, and labels derived from it."""
    X = np.column_stack([np.arange(n), -np.arange(n)])
    return X, np.arange(n) % n_classes


@pytest.mark.parametrize(
    ("n", "fraction", "n_val"),
    [
        (10, 0.2, 2),
        (10, 0.25, 3),  # 2.5 rounds up
        (10, 0.7, 7),  # 0.7 * 10 is 7.000000000000001 in floating point
        (7, 0.5, 4),  # 3.5 rounds up
        (3, 0.1, None),
        (22699, 0.2, 4540),  # the MNIST training prefix: 4539.8
    ],
)
def test_sizes(n, fraction, n_val):
    X, y = ids_and_labels(n)
    if n_val is None:
        with pytest.raises(
            ValueError,
            match=r"val_fraction=0\.1 of 3 samples gives 0 validation and 3 "
            r"training samples; expected at least one in each\.",
        ):
            train_val_split(X, y, fraction)
        return
    X_train, X_val, y_train, y_val = train_val_split(X, y, fraction)
    assert X_val.shape == (n_val, 2) and y_val.shape == (n_val,)
    assert X_train.shape == (n - n_val, 2) and y_train.shape == (n - n_val,)


@pytest.mark.parametrize("stratify", [False, True])
def test_disjoint_covering_and_paired(stratify):
    X, y = ids_and_labels(50)
    X_train, X_val, y_train, y_val = train_val_split(X, y, stratify=stratify)
    ids = np.concatenate([X_train[:, 0], X_val[:, 0]])
    np.testing.assert_array_equal(np.sort(ids), np.arange(50))
    assert not set(X_train[:, 0]) & set(X_val[:, 0])
    np.testing.assert_array_equal(y_train, X_train[:, 0] % 3)
    np.testing.assert_array_equal(y_val, X_val[:, 0] % 3)
    np.testing.assert_array_equal(X_train[:, 1], -X_train[:, 0])


@pytest.mark.parametrize("stratify", [False, True])
def test_shuffled_and_seeded(stratify):
    X, y = ids_and_labels(100)
    first = train_val_split(X, y, stratify=stratify, seed=1)
    again = train_val_split(X, y, stratify=stratify, seed=1)
    other = train_val_split(X, y, stratify=stratify, seed=2)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])
    for part in first[:2]:
        assert not np.all(np.diff(part[:, 0]) > 0)


def test_default_seed_is_reproducible():
    X, y = ids_and_labels(30)
    np.testing.assert_array_equal(train_val_split(X, y)[1], train_val_split(X, y)[1])


def test_keeps_dtype_and_extra_dimensions():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    Y = np.eye(4, dtype=np.float32)[np.arange(20) % 4]
    X_train, X_val, Y_train, Y_val = train_val_split(images, Y, 0.25)
    assert X_train.shape == (15, 28, 28) and X_val.shape == (5, 28, 28)
    assert X_train.dtype == np.uint8 and Y_val.dtype == np.float32
    assert Y_train.shape == (15, 4)


def test_accepts_lists():
    X_train, X_val, y_train, y_val = train_val_split(
        [[0.0], [1.0], [2.0], [3.0], [4.0]], [0, 1, 0, 1, 0], 0.4
    )
    assert isinstance(X_train, np.ndarray) and X_val.shape == (2, 1)
    np.testing.assert_array_equal(y_val, X_val[:, 0] % 2)


@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.33, 0.5, 0.8])
def test_stratified_keeps_class_proportions(fraction):
    rng = np.random.default_rng(3)
    counts = np.array([5, 17, 40, 3, 61, 9])
    y = rng.permutation(np.repeat(np.arange(6), counts))
    X = np.arange(len(y))[:, None]
    _, X_val, y_train, y_val = train_val_split(X, y, fraction, stratify=True)
    n_val = int(np.floor(fraction * len(y) + 0.5))
    assert len(y_val) == n_val
    val_counts = np.bincount(y_val, minlength=6)
    assert np.all(np.abs(val_counts - fraction * counts) <= 1)
    np.testing.assert_array_equal(val_counts + np.bincount(y_train), counts)
    # Classes are mixed, not grouped, in the validation set.
    assert np.count_nonzero(np.diff(y_val)) > 6


def test_stratified_with_string_labels():
    y = np.array(["cat"] * 8 + ["dog"] * 2)
    X = np.arange(10)
    _, _, y_train, y_val = train_val_split(X, y, 0.5, stratify=True)
    assert sorted(y_val) == ["cat"] * 4 + ["dog"]
    assert sorted(y_train) == ["cat"] * 4 + ["dog"]


def test_plain_split_can_unbalance_where_stratified_does_not():
    y = np.repeat([0, 1], [90, 10])
    X = np.arange(100)
    worst = max(
        abs(np.count_nonzero(train_val_split(X, y, seed=s)[3] == 1) - 2)
        for s in range(20)
    )
    assert worst >= 1
    for s in range(20):
        y_val = train_val_split(X, y, stratify=True, seed=s)[3]
        assert np.count_nonzero(y_val == 1) == 2


@pytest.mark.parametrize(
    ("fraction", "error", "message"),
    [
        (0, ValueError, r"val_fraction must be in \(0, 1\), but got 0\."),
        (1.0, ValueError, r"val_fraction must be in \(0, 1\), but got 1\.0\."),
        (-0.2, ValueError, r"val_fraction must be in \(0, 1\), but got -0\.2\."),
        (20, ValueError, r"val_fraction must be in \(0, 1\), but got 20\."),
        (float("nan"), ValueError, r"val_fraction must be in \(0, 1\), but got nan\."),
        (
            "0.2",
            TypeError,
            r"val_fraction must be a number in \(0, 1\), but got '0\.2'",
        ),
        (True, TypeError, r"val_fraction must be a number in \(0, 1\), but got True\."),
    ],
)
def test_val_fraction_is_validated(fraction, error, message):
    X, y = ids_and_labels(10)
    with pytest.raises(error, match=message):
        train_val_split(X, y, fraction)


def test_inputs_are_validated():
    X, y = ids_and_labels(10)
    with pytest.raises(
        ValueError,
        match=r"X and y must have the same number of samples, but X has 10 and y "
        r"has 9\.",
    ):
        train_val_split(X, y[:9])
    with pytest.raises(
        ValueError,
        match=r"y must be an array with one entry per sample, but got a scalar 3\.",
    ):
        train_val_split(X, 3)
    with pytest.raises(
        ValueError,
        match=r"val_fraction=0\.5 of 1 samples gives 1 validation and 0 training "
        r"samples; expected at least one in each\.",
    ):
        train_val_split(X[:1], y[:1], 0.5)
    with pytest.raises(
        ValueError,
        match=r"val_fraction=0\.96 of 10 samples gives 10 validation and 0 training",
    ):
        train_val_split(X, y, 0.96)
    with pytest.raises(
        ValueError,
        match=r"stratify=True needs y as a 1-D array of class labels, but got an "
        r"array of shape \(10, 3\)\.",
    ):
        train_val_split(X, np.eye(3)[y], stratify=True)
