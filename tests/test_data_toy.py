"""Tests for course.data.toy: the 2-D toy data sets."""

import numpy as np
import pytest

from course.data import (
    DATASETS,
    make_blobs,
    make_circles,
    make_dataset,
    make_moons,
    make_spirals,
    make_xor,
)

N_CLASSES = {"xor": 2, "circles": 2, "moons": 2, "spirals": 3, "blobs": 2}


def linear_accuracy(X, y):
    """Training accuracy of the least-squares linear classifier on targets +-1."""
    A = np.column_stack([X, np.ones(len(X))])
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)
    return np.mean((A @ w > 0) == (y == 1))


def best_line_accuracy(X, y):
    """Best accuracy of any line w.x + b = 0 over a fine grid of w and b."""
    angle = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    W = np.column_stack([np.cos(angle), np.sin(angle)])
    proj = X @ W.T  # (n, n_angles)
    offsets = np.linspace(proj.min(), proj.max(), 100)
    pred = proj[:, :, None] > offsets  # (n, n_angles, n_offsets)
    return np.max(np.mean(pred == (y == 1)[:, None, None], axis=0))


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("n_samples", [7, 101])
def test_shapes_dtypes_and_balance(name, n_samples):
    X, y = make_dataset(name, n_samples=n_samples)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == N_CLASSES[name]
    assert counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", list(DATASETS))
def test_seed_determines_the_data(name):
    X1, y1 = make_dataset(name, seed=3)
    X2, y2 = make_dataset(name, seed=3)
    X3, _ = make_dataset(name, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", list(DATASETS))
def test_rows_are_shuffled(name):
    _, y = make_dataset(name, n_samples=100)
    assert not np.all(np.diff(y) >= 0)


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("noise", [0.05, 0.3])
def test_noise_is_gaussian_with_std_noise(name, noise):
    X0, y0 = make_dataset(name, n_samples=2000, noise=0.0, seed=5)
    X, y = make_dataset(name, n_samples=2000, noise=noise, seed=5)
    np.testing.assert_array_equal(y, y0)
    offset = X - X0
    assert abs(offset.mean()) < 0.1 * noise
    assert offset.std() == pytest.approx(noise, rel=0.05)


def test_xor_without_noise_is_the_truth_table():
    X, y = make_xor(n_samples=40, noise=0.0)
    assert set(map(tuple, X)) == {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))
    _, counts = np.unique(X, axis=0, return_counts=True)
    np.testing.assert_array_equal(counts, [10, 10, 10, 10])


def test_xor_is_not_linearly_separable():
    X, y = make_xor(n_samples=400, noise=0.1, seed=0)
    assert linear_accuracy(X, y) <= 0.76
    assert best_line_accuracy(X, y) <= 0.78


def test_blobs_are_linearly_separable():
    X, y = make_blobs(n_samples=400, seed=0)
    assert linear_accuracy(X, y) == 1.0
    # The line search of the XOR test does find a separating line when one exists.
    assert best_line_accuracy(X, y) == 1.0


def test_circles_radii():
    X, y = make_circles(n_samples=50, factor=0.3, noise=0.0)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    # Evenly spread in angle: mean at the origin.
    np.testing.assert_allclose(X[y == 0].mean(axis=0), 0.0, atol=1e-12)


def test_moons_lie_on_their_half_circles():
    X, y = make_moons(n_samples=60, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spiral_arms(n_classes):
    X, y = make_spirals(n_samples=50 * n_classes, n_classes=n_classes, noise=0.0)
    np.testing.assert_array_equal(np.bincount(y), [50] * n_classes)
    r = np.linalg.norm(X, axis=1)
    assert r.min() == pytest.approx(0.1) and r.max() == pytest.approx(1.0)
    start = np.arctan2(X[:, 1], X[:, 0]) - 4.0 * r
    offset = np.angle(np.exp(1j * (start - 2 * np.pi * y / n_classes)))
    np.testing.assert_allclose(offset, 0.0, atol=1e-9)


def test_blob_centres():
    X, y = make_blobs(n_samples=3000, centers=4, cluster_std=0.2)
    means = np.array([X[y == k].mean(axis=0) for k in range(4)])
    expected = [[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]]
    np.testing.assert_allclose(means, expected, atol=0.05)
    assert X[y == 0].std(axis=0) == pytest.approx([0.2, 0.2], rel=0.1)

    centers = [[5.0, 5.0], [-1.0, 3.0], [0.0, 0.0]]
    X, y = make_blobs(n_samples=30, centers=centers, cluster_std=0.0)
    np.testing.assert_array_equal(X, np.asarray(centers)[y])


def test_make_dataset_dispatches_keywords():
    X1, y1 = make_dataset("circles", n_samples=30, factor=0.2, noise=0.1, seed=9)
    X2, y2 = make_circles(30, factor=0.2, noise=0.1, seed=9)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_make_dataset_rejects_unknown_names():
    with pytest.raises(
        ValueError,
        match=r"Unknown data set 'rings': expected one of 'xor', 'circles', "
        r"'moons', 'spirals', 'blobs'\.",
    ):
        make_dataset("rings")
    with pytest.raises(TypeError, match=r"name must be a str, but got list\."):
        make_dataset(["xor"])


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "message"),
    [
        ("xor", {"n_samples": 0}, ValueError, r"n_samples must be > 0, but got 0\."),
        (
            "moons",
            {"n_samples": 10.0},
            TypeError,
            r"n_samples must be an integer, but got 10\.0\.",
        ),
        (
            "xor",
            {"n_samples": 1},
            ValueError,
            r"make_xor needs n_samples >= 2 \(one per class\), but got n_samples=1\.",
        ),
        (
            "spirals",
            {"n_samples": 3, "n_classes": 4},
            ValueError,
            r"make_spirals needs n_samples >= 4 \(one per class\), but got "
            r"n_samples=3\.",
        ),
        (
            "circles",
            {"noise": -0.1},
            ValueError,
            r"noise must be >= 0, but got -0\.1\.",
        ),
        (
            "moons",
            {"noise": "high"},
            TypeError,
            r"noise must be a number, but got 'high'",
        ),
        (
            "circles",
            {"factor": 1.0},
            ValueError,
            r"factor must be in \(0, 1\), but got 1\.0\.",
        ),
        (
            "circles",
            {"factor": None},
            TypeError,
            r"factor must be a number in \(0, 1\), but got None\.",
        ),
        (
            "spirals",
            {"n_classes": 1},
            ValueError,
            r"n_classes must be at least 2, but got 1\.",
        ),
        ("blobs", {"centers": 0}, ValueError, r"centers must be > 0, but got 0\."),
        (
            "blobs",
            {"centers": [[0.0, 0.0, 0.0]]},
            ValueError,
            r"centers must be an int or an array of shape \(n_centers, 2\) with "
            r"n_centers >= 1, but got an array of shape \(1, 3\)\.",
        ),
        (
            "blobs",
            {"centers": [0.0, 1.0]},
            ValueError,
            r"centers must be a 2-D array, but got a 1-D array of shape \(2,\)\.",
        ),
        (
            "blobs",
            {"centers": 5, "n_samples": 4},
            ValueError,
            r"make_blobs needs n_samples >= 5 \(one per class\), but got "
            r"n_samples=4\.",
        ),
        (
            "blobs",
            {"cluster_std": -1.0},
            ValueError,
            r"cluster_std must be >= 0, but got -1\.0\.",
        ),
    ],
)
def test_arguments_are_validated(name, kwargs, error, message):
    with pytest.raises(error, match=message):
        make_dataset(name, **kwargs)
