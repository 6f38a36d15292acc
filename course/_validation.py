"""Input checks shared by every public function of the course library.

Each check raises ``TypeError`` or ``ValueError`` with a message that names what
was expected and what was received, e.g. ``"X must be a 2-D array of shape
(n_samples, n_features), but got an array of shape (3,)."``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_float_array",
    "as_nonempty_float_array",
    "check_axis",
    "check_dtype",
    "check_X",
    "check_X_y",
    "check_labels",
    "class_labels",
    "check_positive",
    "check_fraction",
    "check_is_fitted",
    "check_n_features",
    "NotFittedError",
]


class NotFittedError(ValueError):
    """Raised when ``predict`` (or similar) is called before ``fit``."""


def as_float_array(
    a, name: str = "array", *, ndim: int | Sequence[int] | None = None, dtype=None
) -> np.ndarray:
    """Convert ``a`` to a finite floating-point ndarray, or raise.

    Parameters
    ----------
    a : array_like
        Input data.
    name : str
        Name used in error messages.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    dtype : numpy dtype, optional
        Floating dtype of the result; by default float64 unless ``a`` is already
        a floating array (its precision is kept).
    """
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(
            f"{name} must be array-like of numbers, but got {type(a).__name__}."
        )
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ):
        raise TypeError(
            f"{name} must contain numbers, but got an array of dtype {arr.dtype}."
        )
    if dtype is None:
        dtype = arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.float64
    arr = arr.astype(dtype, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{name} must be a {want} array, but got a {arr.ndim}-D array "
                f"of shape {arr.shape}."
            )
    if not np.all(np.isfinite(arr)):
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} must contain only finite values, but got {n_bad} NaN or "
            "infinite value(s)."
        )
    return arr


def as_nonempty_float_array(a, name: str, *, dtype=None) -> np.ndarray:
    """``as_float_array`` that also rejects empty arrays."""
    arr = as_float_array(a, name, dtype=dtype)
    if arr.size == 0:
        raise ValueError(
            f"{name} must contain at least one value, but got an empty array of "
            f"shape {arr.shape}."
        )
    return arr


def check_axis(axis, shape: tuple[int, ...], name: str) -> int:
    """Validate ``axis`` for an array of ``shape``; return it as an int."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, but got {axis!r}.")
    ndim = len(shape)
    if ndim == 0:
        raise ValueError(
            f"{name} must have at least 1 dimension (the classes), but got a 0-d array."
        )
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"axis must be in [{-ndim}, {ndim - 1}] for {name} of shape {shape}, "
            f"but got {axis}."
        )
    return int(axis)


def check_dtype(dtype) -> np.dtype:
    """Return ``dtype`` as a numpy dtype if it is float32 or float64, else raise."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    # ``dtype=None`` is refused explicitly: numpy would read it as float64.
    if dtype is None or resolved is None or resolved.char not in "fd":
        raise ValueError(f"dtype must be float32 or float64, but got {dtype!r}.")
    return resolved


def check_X(X, name: str = "X", *, dtype=None) -> np.ndarray:
    """Validate a design matrix of shape (n_samples, n_features)."""
    X = as_float_array(X, name, dtype=dtype)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), but got "
            f"an array of shape {X.shape}. Reshape a single sample with "
            "x.reshape(1, -1)."
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one sample, but got 0 samples.")
    if X.shape[1] == 0:
        raise ValueError(
            f"{name} must contain at least one feature, but got 0 features."
        )
    return X


def check_labels(y, name: str = "y", *, n_classes: int | None = None) -> np.ndarray:
    """Validate a 1-D vector of integer class labels in ``[0, n_classes)``."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of class labels, but got an array of "
            f"shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(f"{name} must contain at least one label, but got 0 labels.")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(
                f"{name} must contain integer class labels, but got non-integer values."
            )
        arr = arr.astype(np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must contain integer class labels, but got dtype {arr.dtype}."
        )
    if n_classes is not None:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= n_classes:
            raise ValueError(
                f"{name} must contain labels in [0, {n_classes - 1}], but got labels "
                f"in [{lo}, {hi}]."
            )
    return arr.astype(np.int64, copy=False)


def class_labels(y, n_classes: int | None = None) -> tuple[np.ndarray, int]:
    """Validate integer class labels and settle the number of classes.

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
        Labels in ``[0, n_classes)``.
    n_classes : int or None
        Number of classes (at least 2); by default ``max(y) + 1``, and at
        least 2.

    Returns
    -------
    y : ndarray of int64, shape (n_samples,)
    n_classes : int
    """
    y = check_labels(y)
    if n_classes is None:
        n_classes = max(int(y.max()) + 1, 2)
    else:
        check_positive(n_classes, "n_classes", integer=True)
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, but got {n_classes}.")
    return check_labels(y, n_classes=n_classes), int(n_classes)


def check_X_y(X, y, *, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """Validate a design matrix and a target vector with as many rows."""
    X = check_X(X, dtype=dtype)
    y_arr = np.asarray(y)
    if y_arr.ndim == 0:
        raise ValueError(
            f"y must be an array with one entry per sample, but got a scalar {y!r}."
        )
    if y_arr.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples, but X has {X.shape[0]} "
            f"and y has {y_arr.shape[0]}."
        )
    return X, y_arr


def check_positive(value, name: str, *, strict: bool = True, integer: bool = False):
    """Check that a hyperparameter is a (strictly) positive number."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, but got {value!r}.")
    if not np.isfinite(value) or (value <= 0 if strict else value < 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {bound}, but got {value!r}.")
    return value


def check_fraction(value, name: str) -> float:
    """Check that ``value`` is a real number strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number in (0, 1), but got {value!r}.")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), but got {value!r}.")
    return float(value)


def check_is_fitted(estimator, attribute: str) -> None:
    """Raise ``NotFittedError`` unless ``estimator`` has the fitted ``attribute``."""
    if getattr(estimator, attribute, None) is None:
        name = type(estimator).__name__
        raise NotFittedError(
            f"This {name} instance is not fitted yet: call fit(X, y) before using "
            "this method."
        )


def check_n_features(estimator, X: np.ndarray, n_features: int) -> None:
    """Check that ``X`` has the number of features seen during ``fit``."""
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} was fitted "
            f"with {n_features}."
        )
