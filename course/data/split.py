"""Splitting a training set into a training part and a validation part.

MNIST comes with a training set and a test set but no validation set; a common
choice is to hold out 20% of the training set for validation (an 80/20 split). The
test set stays untouched until the model is final.
"""

from __future__ import annotations

import math

import numpy as np

from course._validation import check_fraction

__all__ = ["train_val_split"]


def _stratified_val_sizes(counts: np.ndarray, n_val: int, fraction: float):
    """Split ``n_val`` among classes of sizes ``counts`` in proportion to them.

    Each class first gets ``floor(fraction * n_c)``; the samples still missing to
    reach ``n_val`` go, one each, to the classes with the largest remainders
    ``fraction * n_c - floor(fraction * n_c)`` (ties to the smaller label). Each
    class thus gets ``fraction * n_c`` rounded down or up: within one sample.
    """
    exact = fraction * counts
    sizes = np.floor(exact).astype(np.int64)
    extra = n_val - int(sizes.sum())
    sizes[np.argsort(-(exact - sizes), kind="stable")[:extra]] += 1
    return sizes


def train_val_split(
    X, y, val_fraction: float = 0.2, *, stratify: bool = False, seed=0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the samples and hold out a fraction of them for validation.

    Parameters
    ----------
    X : array_like of shape (n_samples, ...)
        Samples along the first axis, e.g. ``(n_samples, n_features)`` or images
        ``(n_samples, 28, 28)``; the dtype is kept.
    y : array_like of shape (n_samples, ...)
        Targets, e.g. class labels ``(n_samples,)`` or one-hot rows.
    val_fraction : float, default 0.2
        Fraction of the samples held out, in (0, 1). The validation set has
        ``n_val = round(val_fraction * n_samples)`` samples, halves rounded up
        (``floor(val_fraction * n_samples + 0.5)``), and the training set the
        remaining ``n_samples - n_val``; both must be non-empty.
    stratify : bool, default False
        Keep the class proportions of ``y`` (then 1-D labels): each class ``c``
        with ``n_c`` samples puts ``val_fraction * n_c`` of them, rounded down or
        up, in the validation set, so that the sizes still add up to ``n_val``.
    seed : int, numpy.random.Generator or None, default 0
        Seed of ``np.random.default_rng`` for the shuffle.

    Returns
    -------
    X_train : ndarray of shape (n_samples - n_val, ...)
    X_val : ndarray of shape (n_val, ...)
    y_train : ndarray of shape (n_samples - n_val, ...)
    y_val : ndarray of shape (n_val, ...)
        Rows of ``X`` and ``y`` in shuffled order; every sample is in exactly one
        of the two parts.

    Examples
    --------
    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10) % 2
    >>> X_train, X_val, y_train, y_val = train_val_split(X, y, 0.2)
    >>> X_train.shape, X_val.shape
    ((8, 2), (2, 2))
    """
    X, y = np.asarray(X), np.asarray(y)
    for name, arr in (("X", X), ("y", y)):
        if arr.ndim == 0:
            raise ValueError(
                f"{name} must be an array with one entry per sample, but got a "
                f"scalar {arr.item()!r}."
            )
    if len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of samples, but X has {len(X)} "
            f"and y has {len(y)}."
        )
    fraction = check_fraction(val_fraction, "val_fraction")
    n_samples = len(X)
    n_val = math.floor(fraction * n_samples + 0.5)
    if not 0 < n_val < n_samples:
        raise ValueError(
            f"val_fraction={val_fraction!r} of {n_samples} samples gives "
            f"{n_val} validation and {n_samples - n_val} training samples; expected "
            "at least one in each. Use more samples or another val_fraction."
        )

    rng = np.random.default_rng(seed)
    order = rng.permutation(n_samples)
    if stratify:
        if y.ndim != 1:
            raise ValueError(
                "stratify=True needs y as a 1-D array of class labels, but got an "
                f"array of shape {y.shape}."
            )
        # Position of each shuffled sample within its class, then the first
        # n_val_c samples of class c (in shuffled order) go to validation.
        _, inverse, counts = np.unique(
            y[order], return_inverse=True, return_counts=True
        )
        by_class = np.argsort(inverse, kind="stable")
        starts = np.cumsum(counts) - counts
        rank = np.empty(n_samples, dtype=np.int64)
        rank[by_class] = np.arange(n_samples) - np.repeat(starts, counts)
        is_val = rank < _stratified_val_sizes(counts, n_val, fraction)[inverse]
    else:
        is_val = np.arange(n_samples) < n_val
    train, val = order[~is_val], order[is_val]
    return X[train], X[val], y[train], y[val]
