"""Pictures of the plane: boxes around data, pixel grids and straight boundaries.

A classifier of 2-D points is shown by evaluating it at the centre of every
pixel of a box (:func:`pixel_grid`) and colouring the pixels with the result; a
linear classifier, which predicts the positive class where

.. math:: w_1 x_1 + w_2 x_2 + b \\ge 0,

by the segment of its boundary line :math:`w^\\top x + b = 0` that lies inside
the box (:func:`line_in_box`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course._validation import as_float_array, check_positive, check_X

__all__ = ["PixelGrid", "check_limits", "data_box", "pixel_grid", "line_in_box"]


def check_limits(lim, name: str) -> tuple[float, float]:
    """Return the pair ``(low, high)`` of an axis range as floats, or raise."""
    arr = as_float_array(lim, name, ndim=1, dtype=np.float64)
    if arr.shape != (2,) or not arr[0] < arr[1]:
        raise ValueError(
            f"{name} must be a pair (low, high) with low < high, but got "
            f"{arr.tolist()}."
        )
    return float(arr[0]), float(arr[1])


def data_box(X, margin: float = 0.5) -> tuple[tuple[float, float], tuple[float, float]]:
    """The smallest box holding every point of ``X``, widened by ``margin``.

    Parameters
    ----------
    X : array_like of shape (n_samples, 2)
    margin : float, default 0.5
        Added on every side, >= 0.

    Returns
    -------
    xlim, ylim : (float, float)
        ``(min - margin, max + margin)`` of the first and the second column.
    """
    X = check_X(X)
    if X.shape[1] != 2:
        raise ValueError(
            f"X must have 2 features (points of the plane), but got {X.shape[1]}."
        )
    margin = check_positive(margin, "margin", strict=False)
    lo = X.min(axis=0) - margin
    hi = X.max(axis=0) + margin
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


class PixelGrid(NamedTuple):
    """The centres of the pixels of an image of a box.

    Attributes
    ----------
    points : ndarray of shape (n_rows * n_cols, 2)
        Pixel centres, row after row from the bottom row up, so that values
        computed at the points reshape to an image with ``values.reshape(shape)``
        drawn by ``imshow(..., origin="lower", extent=extent)``.
    shape : (int, int)
        ``(n_rows, n_cols)``.
    extent : (float, float, float, float)
        ``(x_low, x_high, y_low, y_high)``, the box.
    """

    points: np.ndarray
    shape: tuple[int, int]
    extent: tuple[float, float, float, float]


def pixel_grid(xlim, ylim, resolution: int = 100) -> PixelGrid:
    """Centres of a ``resolution`` x ``resolution`` grid of pixels over a box.

    Parameters
    ----------
    xlim, ylim : (float, float)
        The box, ``low < high`` on both axes.
    resolution : int, default 100
        Pixels along each axis, >= 2.

    Returns
    -------
    PixelGrid

    Examples
    --------
    >>> grid = pixel_grid((0, 1), (0, 1), resolution=2)
    >>> grid.points.tolist()
    [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]
    """
    x0, x1 = check_limits(xlim, "xlim")
    y0, y1 = check_limits(ylim, "ylim")
    check_positive(resolution, "resolution", integer=True)
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2, but got {resolution}.")
    offsets = (np.arange(resolution) + 0.5) / resolution
    xs = x0 + (x1 - x0) * offsets
    ys = y0 + (y1 - y0) * offsets
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    return PixelGrid(points, (resolution, resolution), (x0, x1, y0, y1))


def line_in_box(w, b: float, xlim, ylim) -> np.ndarray:
    """End points of the part of the line :math:`w^\\top x + b = 0` in a box.

    The line passes through :math:`p_0 = -b\\, w / \\lVert w \\rVert^2` with
    direction :math:`d = (-w_2, w_1)`; the points :math:`p_0 + t d` inside the
    box form an interval of ``t``, found by clipping against each side
    (Liang-Barsky).

    Parameters
    ----------
    w : array_like of shape (2,)
        Weights.
    b : float
        Bias.
    xlim, ylim : (float, float)
        The box.

    Returns
    -------
    ndarray of shape (2, 2)
        The two end points, one per row. All NaN when the line misses the box
        or when ``w = 0`` (then there is no line: every point gets the same
        class), so that ``line.set_data(*segment.T)`` simply draws nothing.

    Examples
    --------
    >>> line_in_box([1.0, 1.0], -1.0, (0, 2), (0, 2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    w = as_float_array(w, "w", ndim=1, dtype=np.float64)
    if w.shape != (2,):
        raise ValueError(f"w must have 2 entries, but got shape {w.shape}.")
    b = float(as_float_array(b, "b", ndim=0, dtype=np.float64))
    box = (check_limits(xlim, "xlim"), check_limits(ylim, "ylim"))
    nothing = np.full((2, 2), np.nan)
    norm2 = float(w @ w)
    if norm2 == 0.0:
        return nothing
    p0 = -b * w / norm2
    d = np.array([-w[1], w[0]])
    t_lo, t_hi = -np.inf, np.inf
    for k, (lo, hi) in enumerate(box):
        if d[k] == 0.0:
            if not lo <= p0[k] <= hi:
                return nothing
            continue
        t1, t2 = (lo - p0[k]) / d[k], (hi - p0[k]) / d[k]
        t_lo, t_hi = max(t_lo, min(t1, t2)), min(t_hi, max(t1, t2))
    if t_lo > t_hi:
        return nothing
    return np.array([p0 + t_lo * d, p0 + t_hi * d])
