"""Two-dimensional toy data sets for classification.

Every generator has the signature ``make_<name>(n_samples, *, ..., noise, seed)`` and
returns ``(X, y)``: ``X`` of shape ``(n_samples, 2)`` and dtype float64, ``y`` of
shape ``(n_samples,)`` and dtype int64 with labels ``0, ..., K - 1``. The classes are
balanced (their sizes differ by at most one, the first classes getting the extra
samples), the rows are shuffled, and ``noise`` is the standard deviation of the
Gaussian noise added to each coordinate of a noiseless point. All randomness comes
from ``np.random.default_rng(seed)``, so a seed fixes the data set.

=========  ====================================================  ==============
name       noiseless points                                      classes
=========  ====================================================  ==============
xor        the corners of the unit square, class ``x1 XOR x2``   2
circles    two concentric circles of radii 1 and ``factor``      2
moons      two interleaving half circles                         2
spirals    ``n_classes`` spiral arms around the origin            ``n_classes``
blobs      Gaussian clusters of std ``cluster_std`` at centres    ``centers``
=========  ====================================================  ==============

:func:`make_dataset` picks a generator by name.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course._validation import as_float_array, check_fraction, check_positive

__all__ = [
    "make_xor",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_blobs",
    "make_dataset",
    "DATASETS",
]


def _check_common(n_samples, noise, n_classes: int, func: str) -> None:
    check_positive(n_samples, "n_samples", integer=True)
    if n_samples < n_classes:
        raise ValueError(
            f"{func} needs n_samples >= {n_classes} (one per class), but got "
            f"n_samples={n_samples}."
        )
    check_positive(noise, "noise", strict=False)


def _class_sizes(n_samples: int, n_classes: int) -> np.ndarray:
    """Balanced class sizes: ``n // K`` each, plus one for the first ``n % K``."""
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _finish(
    points: list[np.ndarray], noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-class points, add Gaussian noise and shuffle the rows."""
    X = np.concatenate(points)
    y = np.repeat(np.arange(len(points), dtype=np.int64), [len(p) for p in points])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(X))
    return X[order], y[order]


def make_xor(
    n_samples: int = 200, *, noise: float = 0.1, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy copies of the XOR truth table.

    The noiseless points are the corners of the unit square with label
    ``y = x1 XOR x2``: class 0 at (0, 0) and (1, 1), class 1 at (0, 1) and (1, 0),
    the corners of a class used in turn. No line separates the two classes: a
    linear classifier gets at most 3 of the 4 corners right.

    Parameters
    ----------
    n_samples : int, default 200
        Number of points, at least 2.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, numpy.random.Generator or None, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
    """
    _check_common(n_samples, noise, 2, "make_xor")
    corners = np.array([[[0.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
    points = [
        corners[k][np.arange(size) % 2]
        for k, size in enumerate(_class_sizes(n_samples, 2))
    ]
    return _finish(points, noise, np.random.default_rng(seed))


def make_circles(
    n_samples: int = 200, *, factor: float = 0.5, noise: float = 0.05, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the outer, class 1 on the inner one.

    The noiseless points of each class are evenly spaced in angle on a circle
    centred at the origin, of radius 1 for class 0 and ``factor`` for class 1.

    Parameters
    ----------
    n_samples : int, default 200
        Number of points, at least 2.
    factor : float, default 0.5
        Radius of the inner circle, in (0, 1).
    noise : float, default 0.05
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, numpy.random.Generator or None, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
    """
    _check_common(n_samples, noise, 2, "make_circles")
    check_fraction(factor, "factor")
    points = []
    for radius, size in zip((1.0, factor), _class_sizes(n_samples, 2), strict=True):
        angle = np.linspace(0.0, 2 * np.pi, size, endpoint=False)
        points.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _finish(points, noise, np.random.default_rng(seed))


def make_moons(
    n_samples: int = 200, *, noise: float = 0.1, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles of radius 1.

    Class 0 lies on the upper half circle ``(cos t, sin t)``, class 1 on the lower
    one ``(1 - cos t, 0.5 - sin t)``, for ``t`` evenly spaced in [0, pi].

    Parameters
    ----------
    n_samples : int, default 200
        Number of points, at least 2.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, numpy.random.Generator or None, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
    """
    _check_common(n_samples, noise, 2, "make_moons")
    size_0, size_1 = _class_sizes(n_samples, 2)
    t0 = np.linspace(0.0, np.pi, size_0)
    t1 = np.linspace(0.0, np.pi, size_1)
    points = [
        np.column_stack([np.cos(t0), np.sin(t0)]),
        np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]),
    ]
    return _finish(points, noise, np.random.default_rng(seed))


def make_spirals(
    n_samples: int = 300, *, n_classes: int = 3, noise: float = 0.05, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class.

    Arm ``k`` is the curve ``r (cos theta, sin theta)`` with
    ``theta = 2 pi k / n_classes + 4 r`` for radii ``r`` evenly spaced in
    [0.1, 1]: the arms start at evenly spaced angles and each turns by 4 radians.

    Parameters
    ----------
    n_samples : int, default 300
        Number of points, at least ``n_classes``.
    n_classes : int, default 3
        Number of arms (classes), at least 2.
    noise : float, default 0.05
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, numpy.random.Generator or None, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
    """
    check_positive(n_classes, "n_classes", integer=True)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, but got {n_classes}.")
    _check_common(n_samples, noise, n_classes, "make_spirals")
    points = []
    for k, size in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.1, 1.0, size)
        theta = 2 * np.pi * k / n_classes + 4.0 * r
        points.append(r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]))
    return _finish(points, noise, np.random.default_rng(seed))


def make_blobs(
    n_samples: int = 200,
    *,
    centers=2,
    cluster_std: float = 0.5,
    noise: float = 0.0,
    seed=0,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one per class.

    Each point of class ``k`` is ``centers[k] + cluster_std * e`` with ``e``
    standard normal; ``noise`` then adds further Gaussian noise like in the other
    generators, so the points of a class spread with standard deviation
    ``sqrt(cluster_std**2 + noise**2)`` around their centre.

    Parameters
    ----------
    n_samples : int, default 200
        Number of points, at least the number of centres.
    centers : int or array_like of shape (n_centers, 2), default 2
        The cluster centres, or their number ``K``: then they are evenly spaced
        on the circle of radius 2 around the origin, the first at (2, 0).
    cluster_std : float, default 0.5
        Standard deviation of each cluster.
    noise : float, default 0.0
        Standard deviation of the extra Gaussian noise added to each coordinate.
    seed : int, numpy.random.Generator or None, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
    """
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        check_positive(centers, "centers", integer=True)
        angle = 2 * np.pi * np.arange(centers) / centers
        centers = 2.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    else:
        centers = as_float_array(centers, "centers", ndim=2, dtype=np.float64)
        if centers.shape[0] == 0 or centers.shape[1] != 2:
            raise ValueError(
                "centers must be an int or an array of shape (n_centers, 2) with "
                f"n_centers >= 1, but got an array of shape {centers.shape}."
            )
    _check_common(n_samples, noise, len(centers), "make_blobs")
    check_positive(cluster_std, "cluster_std", strict=False)
    rng = np.random.default_rng(seed)
    points = [
        center + cluster_std * rng.standard_normal((size, 2))
        for center, size in zip(
            centers, _class_sizes(n_samples, len(centers)), strict=True
        )
    ]
    return _finish(points, noise, rng)


#: The generators by name, as accepted by :func:`make_dataset`.
DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "xor": make_xor,
    "circles": make_circles,
    "moons": make_moons,
    "spirals": make_spirals,
    "blobs": make_blobs,
}


def make_dataset(name: str, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Generate the toy data set called ``name``.

    Parameters
    ----------
    name : {"xor", "circles", "moons", "spirals", "blobs"}
        Which generator of :data:`DATASETS` to call.
    **kwargs
        Passed on to it, e.g. ``n_samples``, ``noise`` and ``seed``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64

    Examples
    --------
    >>> X, y = make_dataset("moons", n_samples=100, noise=0.2, seed=1)
    >>> X.shape, y.shape
    ((100, 2), (100,))
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, but got {type(name).__name__}.")
    if name not in DATASETS:
        valid = ", ".join(repr(k) for k in DATASETS)
        raise ValueError(f"Unknown data set {name!r}: expected one of {valid}.")
    return DATASETS[name](**kwargs)
